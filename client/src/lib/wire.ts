// The wire types come from the server's protocol definitions: one source of truth. Type-only, so
// nothing of the server (or TypeBox) ends up in the bundle.
import type { MessagesResponse } from '../../../src/protocol';

export type {
  AckFrame,
  Attachment,
  AuditEntry,
  AuditResponse,
  AuthResponse,
  Ban,
  BansResponse,
  ClientFrame,
  DeleteFrame,
  EditFrame,
  ErrorBody,
  ErrorFrame,
  EventsResponse,
  JoinedRoom,
  JoinedRoomsResponse,
  ListedRoom,
  Member,
  MemberFrame,
  MembersResponse,
  MentionFrame,
  Message,
  MessageFrame,
  MessageResponse,
  MessagesResponse,
  PresenceFrame,
  Reaction,
  ReactionFrame,
  ReadyFrame,
  ReplyTo,
  Role,
  Room,
  RoomListResponse,
  RoomResponse,
  SearchResponse,
  SearchResult,
  ServerFrame,
  SubscribedFrame,
  TypingEventFrame,
  User,
} from '../../../src/protocol';
/** An event of a room's log: exactly what a subscriber got (also `GET …/events?after=`). */
export type { LogFrame as LogEvent } from '../../../src/protocol';
/** `messages?around=`: the page centred on a seq, with more known both ways. */
export type AroundResponse = Required<Pick<MessagesResponse, 'messages' | 'hasOlder' | 'hasNewer'>>;

import { CLOSE, LIMITS, TYPING_TTL_MS, USERNAME_PATTERN as USERNAME_SOURCE } from '../../../src/protocol-constants';

export { CLOSE, TYPING_TTL_MS };
export const MAX_MESSAGE_LENGTH = LIMITS.MESSAGE_MAX_CHARS;
export const USERNAME_PATTERN = new RegExp(USERNAME_SOURCE.replace('+$', `{${LIMITS.USERNAME_MIN},${LIMITS.USERNAME_MAX}}$`));
export const { PASSWORD_MIN, PASSWORD_MAX, ROOM_NAME_MAX, ROOM_DESCRIPTION_MAX } = LIMITS;
