import { randomBytes } from 'node:crypto';
import { and, asc, desc, eq, getTableColumns, isNull, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { roomBans, roomMembers, rooms, users, type RoomRow } from '../db/schema.js';
import type { JoinedRoom, ListedRoom, Member, Role } from '../protocol.js';
import { AppError, isUniqueViolation } from '../lib/errors.js';
import { roomNameKey } from '../lib/confusables.js';
import { escapeLike, toIso } from '../lib/text.js';
import { LIMITS } from '../protocol-constants.js';
import { toRoom, toUser } from './mappers.js';
import { latestMessagesOf } from './message-reads.js';

/** 12 characters of base64url: 72 random bits. */
export function newInviteCode(): string {
  return randomBytes(9).toString('base64url');
}

export interface RoomAccess {
  room: RoomRow;
  /** null when the user is not a member. */
  role: Role | null;
  /** The user is banned from the room (requireJoinable refuses them). */
  banned: boolean;
}

const roomColumns = getTableColumns(rooms);

export function createRoomsRepository(db: Executor) {
  /** The room matching `where` (a unique key), unless deleted, with the user's role and ban in it. */
  async function accessWhere(where: SQL, userId: string): Promise<RoomAccess | undefined> {
    const [row] = await db
      .select({
        room: rooms,
        role: roomMembers.role,
        banned: sql<boolean>`EXISTS (SELECT 1 FROM room_bans b WHERE b.room_id = ${rooms.id} AND b.user_id = ${userId}::uuid)`,
      })
      .from(rooms)
      .leftJoin(roomMembers, and(eq(roomMembers.roomId, rooms.id), eq(roomMembers.userId, userId)))
      .where(and(where, isNull(rooms.deletedAt)))
      .limit(1);
    return row ? { room: row.room, role: row.role ?? null, banned: Boolean(row.banned) } : undefined;
  }

  return {
    /**
     * Creates a room with its owner as the first member, atomically. A public room whose name looks
     * like another public room's is refused (409); private rooms never collide.
     */
    async create(input: { ownerId: string; name: string; description: string; isPrivate: boolean }): Promise<RoomRow> {
      try {
        return await db.transaction(async (tx) => {
          const now = new Date();
          const [room] = await tx
            .insert(rooms)
            .values({ ...input, nameKey: roomNameKey(input.name), inviteCode: newInviteCode(), memberCount: 1, lastActivityAt: now, createdAt: now })
            .returning();
          await tx.insert(roomMembers).values({ roomId: room!.id, userId: input.ownerId, role: 'owner', joinedAt: now });
          return room!;
        });
      } catch (err) {
        if (isUniqueViolation(err, 'rooms_public_name_key')) {
          throw new AppError(409, 'ROOM_NAME_TAKEN', 'A room with that name already exists');
        }
        throw err;
      }
    },

    /**
     * Gives rooms from before the name_key column their key, oldest first. A key that collides
     * with another public room's (look-alikes both created under the old rule) stays NULL: that
     * room keeps its name and blocks nothing. Safe to run on several instances at once.
     * Returns how many rooms were left without a key.
     */
    async backfillNameKeys(): Promise<number> {
      const pending = await db
        .select({ id: rooms.id, name: rooms.name })
        .from(rooms)
        .where(isNull(rooms.nameKey))
        .orderBy(asc(rooms.createdAt), asc(rooms.id));
      let collided = 0;
      for (const room of pending) {
        try {
          await db.update(rooms).set({ nameKey: roomNameKey(room.name) }).where(and(eq(rooms.id, room.id), isNull(rooms.nameKey)));
        } catch (err) {
          if (!isUniqueViolation(err, 'rooms_public_name_key')) throw err;
          collided++;
        }
      }
      return collided;
    },

    /** The room and the user's role in it, in one indexed query. */
    access(roomId: string, userId: string): Promise<RoomAccess | undefined> {
      return accessWhere(eq(rooms.id, roomId), userId);
    },

    /** The room an invite code names and the user's role in it (one indexed query, never cached). */
    accessByInviteCode(code: string, userId: string): Promise<RoomAccess | undefined> {
      return accessWhere(eq(rooms.inviteCode, code), userId);
    },

    /** Gives the room a new invite code; the old one names nothing from this commit on. */
    async rotateInviteCode(roomId: string): Promise<string> {
      for (let attempt = 0; ; attempt++) {
        try {
          const [row] = await db.update(rooms).set({ inviteCode: newInviteCode() }).where(eq(rooms.id, roomId)).returning({ inviteCode: rooms.inviteCode });
          if (!row) throw new AppError(404, 'ROOM_NOT_FOUND', 'Room not found');
          return row.inviteCode;
        } catch (err) {
          // 72 random bits: a collision is a freak; try a fresh code a couple of times.
          if (attempt >= 2 || !isUniqueViolation(err, 'rooms_invite_code_key')) throw err;
        }
      }
    },

    /**
     * Adds the user to the room (idempotent). A transaction that first locks the room row, as the
     * moderation transactions do, so a join serializes with a ban of the same room: the insert runs
     * in a snapshot taken after the lock, and a ban committed meanwhile is seen (`banned`, nothing
     * added). The insert and the member count move together. Returns the room, whether this call
     * added the member, and whether the user is banned.
     */
    async join(roomId: string, userId: string): Promise<{ room: RoomRow; added: boolean; banned: boolean } | undefined> {
      const now = new Date();
      return db.transaction(async (tx) => {
        await tx.execute(sql`SELECT id FROM rooms WHERE id = ${roomId}::uuid FOR UPDATE`);
        const result = await tx.execute(sql`
          WITH ins AS (
            INSERT INTO room_members (room_id, user_id, role, last_read_seq, joined_at)
            SELECT r.id, ${userId}::uuid, 'member', r.last_seq, ${now.toISOString()}::timestamptz
            FROM rooms r WHERE r.id = ${roomId}::uuid AND r.deleted_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM room_bans b WHERE b.room_id = r.id AND b.user_id = ${userId}::uuid)
            ON CONFLICT DO NOTHING
            RETURNING room_id
          )
          UPDATE rooms SET member_count = member_count + 1
          WHERE id IN (SELECT room_id FROM ins)
          RETURNING id`);
        const added = (result as unknown as { rows: unknown[] }).rows.length > 0;
        const [room] = await tx.select().from(rooms).where(eq(rooms.id, roomId)).limit(1);
        if (!room) return undefined;
        const banned = added ? false : (await tx.select({ userId: roomBans.userId }).from(roomBans).where(and(eq(roomBans.roomId, roomId), eq(roomBans.userId, userId))).limit(1)).length > 0;
        return { room, added, banned };
      });
    },

    /**
     * Removes the member. When the owner leaves, the longest-standing member becomes owner.
     * Returns null when the user was not a member.
     */
    async leave(roomId: string, userId: string): Promise<{ room: RoomRow; newOwnerId: string | null } | null> {
      return db.transaction(async (tx) => {
        const [removed] = await tx
          .delete(roomMembers)
          .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId)))
          .returning({ role: roomMembers.role });
        if (!removed) return null;
        let [room] = await tx
          .update(rooms)
          .set({ memberCount: sql`${rooms.memberCount} - 1` })
          .where(eq(rooms.id, roomId))
          .returning();
        let newOwnerId: string | null = null;
        if (removed.role === 'owner') {
          const [heir] = await tx
            .select({ userId: roomMembers.userId })
            .from(roomMembers)
            .where(eq(roomMembers.roomId, roomId))
            .orderBy(asc(roomMembers.joinedAt), asc(roomMembers.userId))
            .limit(1);
          if (heir) {
            newOwnerId = heir.userId;
            await tx
              .update(roomMembers)
              .set({ role: 'owner' })
              .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, heir.userId)));
            [room] = await tx.update(rooms).set({ ownerId: heir.userId }).where(eq(rooms.id, roomId)).returning();
          }
        }
        return { room: room!, newOwnerId };
      });
    },

    /**
     * Public rooms, optionally filtered by a case-insensitive substring of the name or the
     * description. Name matches come first (name prefix, then anywhere in the name), then rooms
     * matching by description only; within each, most members first.
     */
    async listPublic(input: { userId: string; q: string; limit: number; offset: number }): Promise<{ rooms: ListedRoom[]; hasMore: boolean }> {
      const needle = input.q.toLowerCase();
      const contains = `%${escapeLike(needle)}%`;
      const prefix = `${escapeLike(needle)}%`;
      const nameHas = sql`lower(${rooms.name}) LIKE ${contains} ESCAPE '\\'`;
      const listed = sql`NOT ${rooms.isPrivate} AND ${rooms.deletedAt} IS NULL`;
      const where = needle ? sql`${listed} AND (${nameHas} OR lower(${rooms.description}) LIKE ${contains} ESCAPE '\\')` : listed;
      const rank = sql`CASE WHEN lower(${rooms.name}) LIKE ${prefix} ESCAPE '\\' THEN 0 WHEN ${nameHas} THEN 1 ELSE 2 END`;
      const order = needle
        ? [rank, desc(rooms.memberCount), sql`lower(${rooms.name})`, asc(rooms.id)]
        : [desc(rooms.memberCount), asc(rooms.id)];
      const rows = await db
        .select({ ...roomColumns, joined: sql<boolean>`(${roomMembers.userId} IS NOT NULL)` })
        .from(rooms)
        .leftJoin(roomMembers, and(eq(roomMembers.roomId, rooms.id), eq(roomMembers.userId, input.userId)))
        .where(where)
        .orderBy(...order)
        .limit(input.limit + 1)
        .offset(input.offset);
      const hasMore = rows.length > input.limit;
      return {
        rooms: rows.slice(0, input.limit).map(({ joined, ...room }) => ({ ...toRoom(room), joined: Boolean(joined) })),
        hasMore,
      };
    },

    /**
     * The user's rooms, newest activity first, with unread and mention counts (others' messages
     * not deleted after the read cursor, each capped at UNREAD_CAP) and the last message.
     */
    async listJoined(userId: string): Promise<JoinedRoom[]> {
      const others = sql`m.room_id = ${rooms.id} AND m.seq > ${roomMembers.lastReadSeq} AND m.author_id <> ${userId}::uuid AND m.deleted_at IS NULL`;
      const rows = await db
        .select({
          room: rooms,
          role: roomMembers.role,
          lastReadSeq: roomMembers.lastReadSeq,
          unread: sql<number>`(SELECT count(*)::int FROM (SELECT 1 FROM messages m WHERE ${others} LIMIT ${LIMITS.UNREAD_CAP}::int) x)`,
          // The partial index messages_mentions_idx holds only messages that mention someone.
          mentioned: sql<number>`(SELECT count(*)::int FROM (SELECT 1 FROM messages m WHERE ${others}
            AND (m.mentions_room OR cardinality(m.mentions) > 0) AND (m.mentions_room OR ${userId}::uuid = ANY(m.mentions))
            LIMIT ${LIMITS.UNREAD_CAP}::int) y)`,
        })
        .from(roomMembers)
        .innerJoin(rooms, eq(rooms.id, roomMembers.roomId))
        .where(eq(roomMembers.userId, userId))
        .orderBy(desc(rooms.lastActivityAt), asc(rooms.id));
      const latest = await latestMessagesOf(db, rows.map((r) => r.room.id));
      return rows.map(({ room, role, lastReadSeq, unread, mentioned }) => ({
        ...toRoom(room),
        role,
        lastReadSeq: Math.min(Number(lastReadSeq), Number(room.lastSeq)),
        unreadCount: Number(unread),
        mentionCount: Number(mentioned),
        lastMessage: latest.get(room.id) ?? null,
      }));
    },

    async roomIdsOf(userId: string): Promise<string[]> {
      const rows = await db.select({ roomId: roomMembers.roomId }).from(roomMembers).where(eq(roomMembers.userId, userId));
      return rows.map((r) => r.roomId);
    },

    async isMember(roomId: string, userId: string): Promise<boolean> {
      const rows = await db
        .select({ one: sql`1` })
        .from(roomMembers)
        .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId)))
        .limit(1);
      return rows.length > 0;
    },

    /** Members in join order, keyset-paged on (joined_at, user_id). */
    async members(input: { roomId: string; limit: number; after?: { joinedAt: Date; userId: string } }): Promise<{ members: Omit<Member, 'online'>[]; hasMore: boolean }> {
      const conds = [eq(roomMembers.roomId, input.roomId)];
      if (input.after) {
        conds.push(sql`(${roomMembers.joinedAt}, ${roomMembers.userId}) > (${input.after.joinedAt.toISOString()}::timestamptz, ${input.after.userId}::uuid)`);
      }
      const rows = await db
        .select({ user: users, role: roomMembers.role, joinedAt: roomMembers.joinedAt })
        .from(roomMembers)
        .innerJoin(users, eq(users.id, roomMembers.userId))
        .where(and(...conds))
        .orderBy(asc(roomMembers.joinedAt), asc(roomMembers.userId))
        .limit(input.limit + 1);
      return {
        members: rows.slice(0, input.limit).map((r) => ({ user: toUser(r.user), role: r.role, joinedAt: toIso(r.joinedAt) })),
        hasMore: rows.length > input.limit,
      };
    },

    /** Moves the read cursor forward only, never past the room's last seq. Null if not a member. */
    async markRead(roomId: string, userId: string, seq: number): Promise<number | null> {
      const result = await db.execute(sql`
        UPDATE room_members m
        SET last_read_seq = GREATEST(m.last_read_seq, LEAST(${seq}::bigint, r.last_seq))
        FROM rooms r
        WHERE r.id = m.room_id AND m.room_id = ${roomId}::uuid AND m.user_id = ${userId}::uuid
        RETURNING m.last_read_seq`);
      const [row] = (result as unknown as { rows: { last_read_seq: number | string }[] }).rows;
      return row ? Number(row.last_read_seq) : null;
    },
  };
}

export type RoomsRepository = ReturnType<typeof createRoomsRepository>;
