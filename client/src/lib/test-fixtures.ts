import type { JoinedRoom, Message, User } from './wire';

/** Test-only: the version-2 fields of a plain, unedited, unreacted message (imported by *.test.ts). */
export const PLAIN_V2: Pick<Message, 'editedAt' | 'deletedAt' | 'attachments' | 'replyTo' | 'mentions' | 'mentionsRoom' | 'reactions'> = {
  editedAt: null,
  deletedAt: null,
  attachments: [],
  replyTo: null,
  mentions: [],
  mentionsRoom: false,
  reactions: [],
};
/** Test-only: the version-2 fields of a joined room of a plain member. */
export const MEMBER_V2: Pick<JoinedRoom, 'role' | 'mentionCount' | 'imageUrl' | 'slowModeSec'> = {
  role: 'member',
  mentionCount: 0,
  imageUrl: null,
  slowModeSec: 0,
};
/** Test-only: the version-2 fields of a plain (not guest) user. */
export const USER_V2: Pick<User, 'displayName' | 'isGuest'> = { displayName: null, isGuest: false };

const T0 = '2026-01-01T00:00:00.000Z';
/** Test-only: a joined room with nothing unread, owned by `ownerId`. */
export function joinedRoom(id: string, ownerId: string, patch: Partial<JoinedRoom> = {}): JoinedRoom {
  return {
    id,
    name: `Room ${id}`,
    description: '',
    isPrivate: false,
    ownerId,
    memberCount: 2,
    lastSeq: 0,
    createdAt: T0,
    lastReadSeq: 0,
    unreadCount: 0,
    lastMessage: null,
    ...MEMBER_V2,
    ...patch,
  };
}
