/**
 * SQL of running a room: settings, roles, kicks, bans, deletion and the audit trail. Every write
 * here is meant to run inside the transaction of services/moderation.ts, which first locks the
 * room row (`lockRoom`), decides with room-access.ts against the state it read under that lock,
 * then writes the change AND its audit entry before committing.
 */
import { aliasedTable, and, asc, desc, eq, isNull, lt, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { roomAudit, roomBans, roomMembers, rooms, uploads, users, type RoomRow } from '../db/schema.js';
import { AppError, isUniqueViolation } from '../lib/errors.js';
import { uuidv7 } from '../lib/uuid-v7.js';
import type { AuditAction, AuditEntry, Ban, Role } from '../protocol.js';
import { toIso } from '../lib/text.js';
import { toUser } from './mappers.js';
import { newInviteCode } from './rooms-repository.js';

export interface RoomPatch {
  name?: string;
  nameKey?: string;
  description?: string;
  slowModeSec?: number;
}

const actors = aliasedTable(users, 'actor');
const targets = aliasedTable(users, 'target');

export function createModerationRepository(db: Executor) {
  return {
    /** The room row, locked until the transaction ends (undefined when missing or deleted). */
    async lockRoom(roomId: string): Promise<RoomRow | undefined> {
      const [row] = await db.select().from(rooms).where(and(eq(rooms.id, roomId), isNull(rooms.deletedAt))).for('update').limit(1);
      return row;
    },

    async roleOf(roomId: string, userId: string): Promise<Role | null> {
      const [row] = await db
        .select({ role: roomMembers.role })
        .from(roomMembers)
        .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId)))
        .limit(1);
      return row?.role ?? null;
    },

    async user(userId: string) {
      const [row] = await db.select().from(users).where(eq(users.id, userId)).limit(1);
      return row ? toUser(row) : undefined;
    },

    /** Applies the patch; 409 ROOM_NAME_TAKEN when a public room already has a look-alike name. */
    async updateRoom(roomId: string, patch: RoomPatch): Promise<RoomRow> {
      try {
        const [row] = await db.update(rooms).set(patch).where(eq(rooms.id, roomId)).returning();
        return row!;
      } catch (err) {
        if (isUniqueViolation(err, 'rooms_public_name_key')) throw new AppError(409, 'ROOM_NAME_TAKEN', 'A room with that name already exists');
        throw err;
      }
    },

    /** A fresh invite code (72 random bits: a collision would abort the transaction, a 500 once in 2^72). */
    async rotateInviteCode(roomId: string): Promise<string> {
      const [row] = await db.update(rooms).set({ inviteCode: newInviteCode() }).where(eq(rooms.id, roomId)).returning({ inviteCode: rooms.inviteCode });
      return row!.inviteCode;
    },

    async setRole(roomId: string, userId: string, role: Role): Promise<void> {
      await db.update(roomMembers).set({ role }).where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId)));
    },

    async setOwner(roomId: string, userId: string): Promise<RoomRow> {
      const [row] = await db.update(rooms).set({ ownerId: userId }).where(eq(rooms.id, roomId)).returning();
      return row!;
    },

    /** The member row for the members list (user, role, joinedAt). */
    async member(roomId: string, userId: string) {
      const [row] = await db
        .select({ user: users, role: roomMembers.role, joinedAt: roomMembers.joinedAt })
        .from(roomMembers)
        .innerJoin(users, eq(users.id, roomMembers.userId))
        .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId)))
        .limit(1);
      return row ? { user: toUser(row.user), role: row.role, joinedAt: toIso(row.joinedAt) } : undefined;
    },

    /** Removes the membership with the member count; false when the user was not a member. */
    async removeMember(roomId: string, userId: string): Promise<boolean> {
      const removed = await db
        .delete(roomMembers)
        .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId)))
        .returning({ userId: roomMembers.userId });
      if (!removed.length) return false;
      await db.update(rooms).set({ memberCount: sql`${rooms.memberCount} - 1` }).where(eq(rooms.id, roomId));
      return true;
    },

    /** Bans (or re-bans with a new reason); a ban keeps its first createdAt only when nothing changed. */
    async upsertBan(roomId: string, userId: string, reason: string, bannedBy: string): Promise<void> {
      await db
        .insert(roomBans)
        .values({ roomId, userId, reason, bannedBy })
        .onConflictDoUpdate({ target: [roomBans.roomId, roomBans.userId], set: { reason, bannedBy, createdAt: new Date() } });
    },

    async removeBan(roomId: string, userId: string): Promise<boolean> {
      const rows = await db.delete(roomBans).where(and(eq(roomBans.roomId, roomId), eq(roomBans.userId, userId))).returning({ userId: roomBans.userId });
      return rows.length > 0;
    },

    /** A room's bans, newest first (at most `limit`). */
    async bans(roomId: string, limit: number): Promise<Ban[]> {
      const rows: { reason: string; createdAt: Date; user: typeof users.$inferSelect; by: typeof users.$inferSelect | null }[] = await db
        .select({ reason: roomBans.reason, createdAt: roomBans.createdAt, user: targets, by: actors })
        .from(roomBans)
        .innerJoin(targets, eq(targets.id, roomBans.userId))
        .leftJoin(actors, eq(actors.id, roomBans.bannedBy))
        .where(eq(roomBans.roomId, roomId))
        .orderBy(desc(roomBans.createdAt), asc(roomBans.userId))
        .limit(limit);
      return rows.map((r) => ({ user: toUser(r.user), reason: r.reason, bannedBy: r.by ? toUser(r.by) : null, createdAt: toIso(r.createdAt) }));
    },

    async audit(entry: { roomId: string; actorId: string; action: AuditAction; targetId?: string | null; details?: Record<string, unknown> }): Promise<void> {
      await db.insert(roomAudit).values({ id: uuidv7(), roomId: entry.roomId, actorId: entry.actorId, action: entry.action, targetId: entry.targetId ?? null, details: entry.details ?? {} });
    },

    /** Newest first, keyset on the (time-ordered) id: entries older than `before`. */
    async auditPage(roomId: string, limit: number, before?: string): Promise<{ entries: AuditEntry[]; hasMore: boolean }> {
      const rows = await db
        .select({ entry: roomAudit, actor: actors, target: targets })
        .from(roomAudit)
        .leftJoin(actors, eq(actors.id, roomAudit.actorId))
        .leftJoin(targets, eq(targets.id, roomAudit.targetId))
        .where(and(eq(roomAudit.roomId, roomId), before ? lt(roomAudit.id, before) : undefined))
        .orderBy(desc(roomAudit.id))
        .limit(limit + 1);
      return {
        entries: rows.slice(0, limit).map((r) => ({
          id: r.entry.id,
          action: r.entry.action,
          actor: r.actor ? toUser(r.actor) : null,
          target: r.target ? toUser(r.target) : null,
          details: r.entry.details as Record<string, unknown>,
          createdAt: toIso(r.entry.createdAt),
        })),
        hasMore: rows.length > limit,
      };
    },

    /**
     * Deletes the room softly: not found from now on (access reads skip deleted rooms), every
     * membership gone (joined lists, unread counts, file access and search go with them), its
     * name free again (name_key NULL), its invite code dead, its image released to the sweeper.
     */
    async markDeleted(roomId: string, imageUrl: string | null): Promise<void> {
      const now = new Date();
      await db.delete(roomMembers).where(eq(roomMembers.roomId, roomId));
      await db.update(rooms).set({ deletedAt: now, nameKey: null, inviteCode: newInviteCode(), memberCount: 0 }).where(eq(rooms.id, roomId));
      const imageId = imageUrl?.split('/').pop();
      if (imageId && /^[0-9a-f-]{36}$/.test(imageId)) {
        await db.update(uploads).set({ releasedAt: now }).where(and(eq(uploads.id, imageId), eq(uploads.purpose, 'room_image'), isNull(uploads.releasedAt)));
      }
    },

    /**
     * Storage of rooms deleted before `before`: their messages go (events, reactions and attachment
     * links cascade; the upload sweeper then reclaims the files), at most `limit` per call. The
     * room row stays as a tombstone with its audit. Returns how many messages were removed.
     */
    async purgeDeletedRooms(before: Date, limit = 1000): Promise<number> {
      const result = await db.execute(sql`
        DELETE FROM messages WHERE id IN (
          SELECT m.id FROM rooms r JOIN messages m ON m.room_id = r.id
          WHERE r.deleted_at < ${before.toISOString()}::timestamptz LIMIT ${limit}::int)
        RETURNING id`);
      return (result as unknown as { rows: unknown[] }).rows.length;
    },
  };
}

export type ModerationRepository = ReturnType<typeof createModerationRepository>;
