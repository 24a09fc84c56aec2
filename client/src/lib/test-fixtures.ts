import type { JoinedRoom, Message } from './wire';

/** Test-only: the version-2 fields of a plain, unedited, unreacted message (imported by *.test.ts). */
export const PLAIN_V2: Pick<Message, 'editedAt' | 'deletedAt' | 'replyTo' | 'mentions' | 'reactions'> = {
  editedAt: null,
  deletedAt: null,
  replyTo: null,
  mentions: [],
  reactions: [],
};
/** Test-only: the version-2 fields of a joined room of a plain member. */
export const MEMBER_V2: Pick<JoinedRoom, 'role' | 'mentionCount'> = { role: 'member', mentionCount: 0 };
