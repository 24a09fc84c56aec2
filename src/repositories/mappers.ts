/** Row -> wire object mapping, shared by the repositories. */
import type { Room, User } from '../protocol.js';
import type { RoomRow, UserRow } from '../db/schema.js';
import { toIso } from '../lib/text.js';

export type UserFields = Pick<UserRow, 'id' | 'username' | 'avatarUrl' | 'createdAt'>;

export function toUser(row: UserFields): User {
  // displayName and isGuest are fixed until accounts have them.
  return { id: row.id, username: row.username, displayName: null, avatarUrl: row.avatarUrl, isGuest: false, createdAt: toIso(row.createdAt) };
}

export function toRoom(row: RoomRow): Room {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    isPrivate: row.isPrivate,
    ownerId: row.ownerId,
    memberCount: row.memberCount,
    lastSeq: Number(row.lastSeq),
    imageUrl: null,
    slowModeSec: 0,
    createdAt: toIso(row.createdAt),
  };
}

