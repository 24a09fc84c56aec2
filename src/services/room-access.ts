/**
 * Who may use a room, decided in one place for REST, WebSocket frames and the message writer:
 * a private room does not exist for non-members (404 ROOM_NOT_FOUND); a public one answers
 * NOT_A_MEMBER (403) where membership is needed; a member without the role an action needs gets
 * 403 FORBIDDEN. Every new permission (moderator, banned, guest) is a rule here.
 */
import { AppError, errors } from '../lib/errors.js';
import type { Role } from '../protocol.js';
import type { RoomAccess } from '../repositories/rooms-repository.js';

/**
 * Roles that run a room: rotate its invite code (and, with the moderation issue, edit it, kick and
 * ban). The contract's `moderator` joins this set when that role exists.
 */
const MANAGER_ROLES: ReadonlySet<Role> = new Set<Role>(['owner']);

/** The refusal for a member-only action, or null when the user is a member. */
export function accessError(access: { room: { isPrivate: boolean }; role: Role | null } | undefined): AppError | null {
  if (!access || (access.room.isPrivate && !access.role)) return errors.roomNotFound();
  return access.role ? null : errors.notAMember();
}

export function requireVisible(access: RoomAccess | undefined): asserts access is RoomAccess {
  if (!access || (access.room.isPrivate && !access.role)) throw errors.roomNotFound();
}

export function requireMember(access: RoomAccess | undefined): asserts access is RoomAccess & { role: Role } {
  const denied = accessError(access);
  if (denied) throw denied;
}

/** Owners and moderators run a room: they delete anyone's messages and may mention @room. */
export function isRoomStaff(role: Role | null): boolean {
  return role === 'owner' || role === 'moderator';
}

/** Only the author edits, within `windowSec` of sending (0 = no limit). */
export function editRefusal(actorId: string, message: { authorId: string; createdAt: Date }, windowSec: number, now = Date.now()): AppError | null {
  if (actorId !== message.authorId) return new AppError(403, 'FORBIDDEN', 'Only the author can edit a message');
  if (windowSec > 0 && now - message.createdAt.getTime() > windowSec * 1000) {
    return new AppError(403, 'FORBIDDEN', `Messages can only be edited within ${windowSec} s of sending`);
  }
  return null;
}

/** The author deletes their own message; an owner or moderator deletes any. */
export function deleteRefusal(actorId: string, role: Role | null, message: { authorId: string }): AppError | null {
  if (actorId === message.authorId || isRoomStaff(role)) return null;
  return new AppError(403, 'FORBIDDEN', 'Only the author, an owner or a moderator can delete this message');
}

/** Owner (later: or moderator): else 403 FORBIDDEN for members, and as requireMember for others. */
export function requireManager(access: RoomAccess | undefined): asserts access is RoomAccess & { role: Role } {
  requireMember(access);
  if (!MANAGER_ROLES.has(access.role)) throw new AppError(403, 'FORBIDDEN', 'Only the owner of the room may do that');
}

/**
 * May the user join? By id, only rooms they can see (a private room is joined by invite); by
 * invite, the room the code names. Both paths come here so that bans (the moderation issue: 403
 * BANNED, carried on RoomAccess) refuse every way in, and rejoining by an old code re-checks them.
 */
export function requireJoinable(access: RoomAccess | undefined, via: 'id' | 'invite'): asserts access is RoomAccess {
  if (!access) throw via === 'invite' ? invalidInvite() : errors.roomNotFound();
  if (via === 'id') requireVisible(access);
}

export const invalidInvite = () => new AppError(404, 'INVALID_INVITE', 'That invite code is not valid');

/**
 * Guests (POST /api/auth/guest) are accounts without a password. The three rules that set them
 * apart live here and nowhere else: they cannot create rooms, cannot upload, and send on a
 * slower tier. Joining (public by id, private by invite) and talking follow the member rules.
 */
export function createRoomRefusal(user: { isGuest: boolean }): AppError | null {
  return user.isGuest ? new AppError(403, 'FORBIDDEN', 'Guests cannot create rooms; upgrade to a full account first') : null;
}

/** Which send bucket a user draws from (services/send-throttle.ts `TieredSendThrottle`). */
export type SendTier = 'full' | 'guest';
export const sendTier = (user: { isGuest: boolean }): SendTier => (user.isGuest ? 'guest' : 'full');

/** Who may upload files (attachments, avatars, room images): every account but guests. */
export function uploadRefusal(user: { isGuest: boolean }): AppError | null {
  return user.isGuest ? new AppError(403, 'FORBIDDEN', 'Guests cannot upload files; sign up to share files') : null;
}
