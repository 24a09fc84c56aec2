/**
 * Who may use a room, decided in one place for REST, WebSocket frames and the message writer:
 * a private room does not exist for non-members (404 ROOM_NOT_FOUND); a public one answers
 * NOT_A_MEMBER (403) where membership is needed.
 */
import { AppError, errors } from '../lib/errors.js';
import type { Role } from '../protocol.js';
import type { RoomAccess } from '../repositories/rooms-repository.js';

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

/** Who may upload files (attachments, avatars, room images): every account but guests. */
export function uploadRefusal(user: { isGuest: boolean }): AppError | null {
  return user.isGuest ? new AppError(403, 'FORBIDDEN', 'Guests cannot upload files; sign up to share files') : null;
}
