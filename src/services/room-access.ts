/**
 * Who may use a room, decided in one place for REST, WebSocket frames and the message writer:
 * a private room does not exist for non-members (404 ROOM_NOT_FOUND); a public one answers
 * NOT_A_MEMBER (403) where membership is needed.
 */
import { errors, type AppError } from '../lib/errors.js';
import type { RoomAccess } from '../repositories/rooms-repository.js';

/** The refusal for a member-only action, or null when the user is a member. */
export function accessError(access: RoomAccess | undefined): AppError | null {
  if (!access || (access.room.isPrivate && !access.role)) return errors.roomNotFound();
  return access.role ? null : errors.notAMember();
}

export function requireVisible(access: RoomAccess | undefined): asserts access is RoomAccess {
  if (!access || (access.room.isPrivate && !access.role)) throw errors.roomNotFound();
}

export function requireMember(access: RoomAccess | undefined): asserts access is RoomAccess & { role: 'owner' | 'member' } {
  const denied = accessError(access);
  if (denied) throw denied;
}
