/**
 * Who may use a room, decided in one place for REST, WebSocket frames and the message writer:
 * a private room does not exist for non-members (404 ROOM_NOT_FOUND); a public one answers
 * NOT_A_MEMBER (403) where membership is needed; a member without the role an action needs gets
 * 403 FORBIDDEN. Every new permission (moderator, banned, guest) is a rule here.
 *
 * Roles are ONE ordered scale, owner > moderator > member (> not a member). An action has a
 * least role (ACTION_MIN_ROLE), and an action aimed at someone (kick, ban, role change) is allowed
 * only on a strictly lower role: nobody acts on their equals or betters, nor on themselves.
 * `mayAct` is the one decision; REST routes, WebSocket frames and the writer all ask it.
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

const RANK: Record<Role, number> = { member: 1, moderator: 2, owner: 3 };
const rank = (role: Role | null | undefined): number => (role ? RANK[role] : 0);

/** The least role each room action needs. */
export const ACTION_MIN_ROLE = {
  /** PATCH the room, its image. */
  editRoom: 'moderator',
  rotateInvite: 'moderator',
  kick: 'moderator',
  ban: 'moderator',
  unban: 'moderator',
  /** GET bans and audit. */
  viewModeration: 'moderator',
  /** Delete anyone's message, mention @room, send past slow mode. */
  moderateMessages: 'moderator',
  setRole: 'owner',
  deleteRoom: 'owner',
} as const satisfies Record<string, Role>;
export type RoomAction = keyof typeof ACTION_MIN_ROLE;

/**
 * May a user with role `actor` do `action` here (to a user whose role is `target`, null for a
 * non-member, when the action has a target)? Each role acts only on strictly lower roles.
 */
export function mayAct(actor: Role | null, action: RoomAction, target?: { role: Role | null; self: boolean }): boolean {
  if (rank(actor) < RANK[ACTION_MIN_ROLE[action]]) return false;
  return !target || (!target.self && rank(target.role) < rank(actor));
}

/** Owners and moderators run a room: they delete anyone's messages, mention @room and skip slow mode. */
export function isRoomStaff(role: Role | null): boolean {
  return mayAct(role, 'moderateMessages');
}

const ROLE_NEEDED: Record<Role, string> = { owner: 'the owner', moderator: 'an owner or a moderator', member: 'a member' };

/**
 * The action as `requireMember`, then the rank rule: 403 FORBIDDEN for a member whose role is too
 * low, or (with `target`) when the target's role is not below the actor's.
 */
export function requireRank(
  access: RoomAccess | undefined,
  action: RoomAction,
  target?: { role: Role | null; self: boolean },
): asserts access is RoomAccess & { role: Role } {
  requireMember(access);
  if (!mayAct(access.role, action)) throw new AppError(403, 'FORBIDDEN', `Only ${ROLE_NEEDED[ACTION_MIN_ROLE[action]]} of the room may do that`);
  if (target && !mayAct(access.role, action, target)) {
    throw new AppError(403, 'FORBIDDEN', target.self ? 'You cannot do that to yourself' : 'You can only act on members below your own role');
  }
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

/**
 * May the user join? By id, only rooms they can see (a private room is joined by invite); by
 * invite, the room the code names. Both paths come here so that a ban (403 BANNED, carried on
 * RoomAccess) refuses every way in. A private room stays invisible by id even to the banned.
 */
export function requireJoinable(access: RoomAccess | undefined, via: 'id' | 'invite'): asserts access is RoomAccess {
  if (!access) throw via === 'invite' ? invalidInvite() : errors.roomNotFound();
  if (via === 'id') requireVisible(access);
  if (access.banned && !access.role) throw errors.banned();
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
