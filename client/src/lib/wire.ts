// The wire types come from the server's protocol definitions: one source of truth. Type-only, so
// nothing of the server (or TypeBox) ends up in the bundle.
import type {
  AckFrame as AckFrameV1,
  ClientFrame as ClientFrameV1,
  JoinedRoom as JoinedRoomV1,
  Member as MemberV1,
  Message as MessageV1,
  MessageFrame as MessageFrameV1,
  ServerFrame as ServerFrameV1,
  User,
} from '../../../src/protocol';

export type {
  AuthResponse,
  ErrorBody,
  ErrorFrame,
  ListedRoom,
  MemberFrame,
  PresenceFrame,
  ReadyFrame,
  Room,
  RoomListResponse,
  RoomResponse,
  SubscribedFrame,
  TypingEventFrame,
  User,
} from '../../../src/protocol';

// ---- Version 2 (the room log), as the contract names it ---------------------------------------
// Declared here until src/protocol.ts carries the version-2 schemas; then these become plain
// re-exports like the ones above. The names and fields are the contract's (PROTOCOL.md "Version 2").

export type Role = 'owner' | 'moderator' | 'member';
export interface Reaction {
  emoji: string;
  count: number;
  /** Complete, in the order they reacted. */
  userIds: string[];
}
export interface ReplyRef {
  id: string;
  seq: number;
  author: User;
  excerpt: string;
  deleted: boolean;
}
export type Message = MessageV1 & {
  editedAt: string | null;
  deletedAt: string | null;
  replyTo: ReplyRef | null;
  mentions: string[];
  reactions: Reaction[];
};
export type JoinedRoom = Omit<JoinedRoomV1, 'lastMessage'> & { lastMessage: Message | null; role: Role; mentionCount: number };
export type Member = Omit<MemberV1, 'role'> & { role: Role };

export type AckFrame = Omit<AckFrameV1, 'message'> & { message: Message };
export type MessageFrame = Omit<MessageFrameV1, 'message'> & { message: Message };
export interface EditFrame {
  type: 'edit';
  roomId: string;
  seq: number;
  messageId: string;
  body: string;
  mentions: string[];
  editedAt: string;
}
export interface DeleteFrame {
  type: 'delete';
  roomId: string;
  seq: number;
  messageId: string;
  deletedBy: string;
}
export interface ReactionFrame {
  type: 'reaction';
  roomId: string;
  seq: number;
  messageId: string;
  emoji: string;
  userId: string;
  added: boolean;
  /** The emoji's count after this event. */
  count: number;
}
/** To a mentioned user's connections that are not subscribed to the room (outside the log). */
export interface MentionFrame {
  type: 'mention';
  roomId: string;
  messageId: string;
  seq: number;
}
/** An event of a room's log: exactly what a subscriber got (also `GET …/events?after=`). */
export type LogEvent = MessageFrame | EditFrame | DeleteFrame | ReactionFrame;
export type ServerFrame =
  | Exclude<ServerFrameV1, { type: 'ack' | 'message' }>
  | AckFrame
  | LogEvent
  | MentionFrame;

/** `send` may reply to a message of the same room. */
export type ClientFrame =
  | Exclude<ClientFrameV1, { type: 'send' }>
  | (Extract<ClientFrameV1, { type: 'send' }> & { replyToId?: string });

export interface JoinedRoomsResponse {
  rooms: JoinedRoom[];
}
export interface MembersResponse {
  members: Member[];
  nextCursor: string | null;
}
export interface MessagesResponse {
  messages: Message[];
  hasMore: boolean;
}
export interface AroundResponse {
  messages: Message[];
  hasOlder: boolean;
  hasNewer: boolean;
}
export interface MessageResponse {
  message: Message;
}
export interface EventsResponse {
  events: LogEvent[];
  hasMore: boolean;
}

import { CLOSE, LIMITS, TYPING_TTL_MS, USERNAME_PATTERN as USERNAME_SOURCE } from '../../../src/protocol-constants';

export { CLOSE, TYPING_TTL_MS };
export const MAX_MESSAGE_LENGTH = LIMITS.MESSAGE_MAX_CHARS;
export const USERNAME_PATTERN = new RegExp(USERNAME_SOURCE.replace('+$', `{${LIMITS.USERNAME_MIN},${LIMITS.USERNAME_MAX}}$`));
export const { PASSWORD_MIN, PASSWORD_MAX, ROOM_NAME_MAX, ROOM_DESCRIPTION_MAX } = LIMITS;
