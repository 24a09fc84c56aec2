/**
 * Running a room: settings, invite rotation, roles and ownership, kicks, bans, deletion.
 *
 * Invariants:
 * - Each action is ONE transaction that locks the room row first, so two moderators acting at
 *   once are serialized and every decision (room-access.ts `requireRank`) is made against the
 *   roles as they are under that lock, never a read from before it.
 * - The audit entry is written in the same transaction as the action: no action without its
 *   record, no record of an action that rolled back.
 * - Real-time effects (room frames, kicks, deletion) are published only after the commit, through
 *   the broker, so every instance applies them; a refused or failed action publishes nothing.
 */
import type { Db } from '../db/client.js';
import { roomNameKey } from '../lib/confusables.js';
import { AppError } from '../lib/errors.js';
import type { Member, Role, User } from '../protocol.js';
import type { RoomEvents } from '../realtime/broker.js';
import { toRoom } from '../repositories/mappers.js';
import { createModerationRepository, type ModerationRepository, type RoomPatch } from '../repositories/moderation-repository.js';
import type { RoomAccess } from '../repositories/rooms-repository.js';
import { requireRank } from './room-access.js';

export interface SettingsInput {
  /** Already cleaned (lib/text.ts cleanRoomName / cleanDescription) and in range. */
  name?: string;
  description?: string;
  slowModeSec?: number;
}

interface Locked {
  repo: ModerationRepository;
  access: RoomAccess | undefined;
}

const notAMember = () => new AppError(404, 'NOT_A_MEMBER', 'That user is not a member of this room');
const noSuchUser = () => new AppError(404, 'NOT_FOUND', 'User not found');

export function createModeration(db: Db, events: RoomEvents) {
  /** Runs `fn` in a transaction holding the room row lock, with the actor's access as of then. */
  function locked<T>(roomId: string, actorId: string, fn: (ctx: Locked) => Promise<T>): Promise<T> {
    return db.transaction(async (tx) => {
      const repo = createModerationRepository(tx);
      const room = await repo.lockRoom(roomId);
      const access = room ? { room, role: await repo.roleOf(roomId, actorId), banned: false } : undefined;
      return fn({ repo, access });
    });
  }

  /** The target's role, checked against the actor's by the rank rule. */
  async function target(ctx: Locked, action: 'kick' | 'ban' | 'setRole', actor: User, targetId: string): Promise<Role | null> {
    requireRank(ctx.access, action);
    const role = await ctx.repo.roleOf(ctx.access.room.id, targetId);
    requireRank(ctx.access, action, { role, self: targetId === actor.id });
    return role;
  }

  return {
    async updateSettings(roomId: string, actor: User, input: SettingsInput) {
      const room = await locked(roomId, actor.id, async (ctx) => {
        requireRank(ctx.access, 'editRoom');
        const before = ctx.access.room;
        const patch: RoomPatch = {};
        const changes: Record<string, { from: unknown; to: unknown }> = {};
        if (input.name !== undefined && input.name !== before.name) {
          Object.assign(patch, { name: input.name, nameKey: roomNameKey(input.name) });
          changes.name = { from: before.name, to: input.name };
        }
        if (input.description !== undefined && input.description !== before.description) {
          patch.description = input.description;
          changes.description = { from: before.description, to: input.description };
        }
        if (input.slowModeSec !== undefined && input.slowModeSec !== before.slowModeSec) {
          patch.slowModeSec = input.slowModeSec;
          changes.slowModeSec = { from: before.slowModeSec, to: input.slowModeSec };
        }
        if (!Object.keys(changes).length) return { row: before, changed: false };
        const row = await ctx.repo.updateRoom(roomId, patch);
        await ctx.repo.audit({ roomId, actorId: actor.id, action: 'settings', details: { changes } });
        return { row, changed: true };
      });
      const out = toRoom(room.row);
      if (room.changed) events.roomUpdated(out);
      return out;
    },

    /** A new invite code; the old one names nothing from the commit on. */
    rotateInvite(roomId: string, actor: User): Promise<string> {
      return locked(roomId, actor.id, async (ctx) => {
        requireRank(ctx.access, 'rotateInvite');
        const code = await ctx.repo.rotateInviteCode(roomId);
        await ctx.repo.audit({ roomId, actorId: actor.id, action: 'invite_rotated' });
        return code;
      });
    },

    /** The owner sets a member's role; `owner` hands ownership over (the old owner becomes moderator). */
    async setRole(roomId: string, actor: User, targetId: string, role: Role): Promise<Omit<Member, 'online'>> {
      const done = await locked(roomId, actor.id, async (ctx) => {
        const current = await target(ctx, 'setRole', actor, targetId);
        if (!current) throw notAMember();
        let room = null;
        let changed = false;
        if (role === 'owner') {
          await ctx.repo.setRole(roomId, targetId, 'owner');
          await ctx.repo.setRole(roomId, actor.id, 'moderator');
          room = await ctx.repo.setOwner(roomId, targetId);
          await ctx.repo.audit({ roomId, actorId: actor.id, action: 'ownership', targetId, details: { from: current, previousOwnerId: actor.id } });
        } else if (role !== current) {
          await ctx.repo.setRole(roomId, targetId, role);
          await ctx.repo.audit({ roomId, actorId: actor.id, action: 'role', targetId, details: { from: current, to: role } });
          changed = true;
        }
        return { member: (await ctx.repo.member(roomId, targetId))!, room, changed };
      });
      // After the commit: the new roles first (both of a hand-over), then the settings (ownerId).
      if (done.room) {
        events.roleChanged(roomId, done.member.user, 'owner');
        events.roleChanged(roomId, actor, 'moderator');
        events.roomUpdated(toRoom(done.room));
      } else if (done.changed) events.roleChanged(roomId, done.member.user, done.member.role);
      return done.member;
    },

    async kick(roomId: string, actor: User, targetId: string): Promise<void> {
      const user = await locked(roomId, actor.id, async (ctx) => {
        if (!(await target(ctx, 'kick', actor, targetId))) throw notAMember();
        await ctx.repo.removeMember(roomId, targetId);
        await ctx.repo.audit({ roomId, actorId: actor.id, action: 'kick', targetId });
        return ctx.repo.user(targetId);
      });
      if (user) events.memberKicked(roomId, user);
    },

    /** Bans a member (kicked too) or anyone else (someone who left, never joined); re-banning updates the reason. */
    async ban(roomId: string, actor: User, targetId: string, reason: string): Promise<void> {
      const kicked = await locked(roomId, actor.id, async (ctx) => {
        requireRank(ctx.access, 'ban');
        const user = await ctx.repo.user(targetId);
        if (!user) throw noSuchUser();
        const role = await target(ctx, 'ban', actor, targetId);
        await ctx.repo.upsertBan(roomId, targetId, reason, actor.id);
        const wasMember = role !== null && (await ctx.repo.removeMember(roomId, targetId));
        await ctx.repo.audit({ roomId, actorId: actor.id, action: 'ban', targetId, details: { reason } });
        return wasMember ? user : null;
      });
      if (kicked) events.memberKicked(roomId, kicked);
    },

    /** Lifts a ban (idempotent: no ban, nothing recorded). */
    unban(roomId: string, actor: User, targetId: string): Promise<void> {
      return locked(roomId, actor.id, async (ctx) => {
        requireRank(ctx.access, 'unban');
        if (await ctx.repo.removeBan(roomId, targetId)) await ctx.repo.audit({ roomId, actorId: actor.id, action: 'unban', targetId });
      });
    },

    async deleteRoom(roomId: string, actor: User): Promise<void> {
      await locked(roomId, actor.id, async (ctx) => {
        requireRank(ctx.access, 'deleteRoom');
        await ctx.repo.markDeleted(roomId, ctx.access.room.imageUrl);
        await ctx.repo.audit({ roomId, actorId: actor.id, action: 'room_deleted', details: { name: ctx.access.room.name } });
      });
      events.roomDeleted(roomId);
    },
  };
}

export type Moderation = ReturnType<typeof createModeration>;
