/** Row -> wire object mapping, shared by the repositories. */
import type { Attachment, Room, User } from '../protocol.js';
import type { RoomRow, UploadRow, UserRow } from '../db/schema.js';
import { toIso } from '../lib/text.js';

export type UserFields = Pick<UserRow, 'id' | 'username' | 'avatarUrl' | 'isGuest' | 'createdAt'> & { displayName?: string | null };

export function toUser(row: UserFields): User {
  return { id: row.id, username: row.username, displayName: row.displayName ?? null, avatarUrl: row.avatarUrl, isGuest: row.isGuest, createdAt: toIso(row.createdAt) };
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
    imageUrl: row.imageUrl ?? null,
    slowModeSec: row.slowModeSec,
    createdAt: toIso(row.createdAt),
  };
}


/** Where a file is served (routes/files.ts); its thumbnail adds `/thumb`. */
export const fileUrl = (id: string): string => `/api/files/${id}`;

export type AttachmentFields = Pick<UploadRow, 'id' | 'kind' | 'name' | 'mime' | 'size' | 'width' | 'height' | 'thumbKey'>;

export function toAttachment(row: AttachmentFields): Attachment {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    mime: row.mime,
    size: Number(row.size),
    width: row.width ?? null,
    height: row.height ?? null,
    url: fileUrl(row.id),
    thumbUrl: row.thumbKey ? `${fileUrl(row.id)}/thumb` : null,
  };
}
