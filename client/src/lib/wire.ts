// The wire types come from the server's protocol definitions: one source of truth. Type-only, so
// nothing of the server (or TypeBox) ends up in the bundle.
export type {
  AckFrame,
  AuthResponse,
  ClientFrame,
  ErrorBody,
  ErrorFrame,
  JoinedRoom,
  JoinedRoomsResponse,
  ListedRoom,
  Member,
  MemberFrame,
  MembersResponse,
  Message,
  MessageResponse,
  MessagesResponse,
  PresenceFrame,
  ReadyFrame,
  Room,
  RoomListResponse,
  RoomResponse,
  ServerFrame,
  SubscribedFrame,
  TypingEventFrame,
  User,
} from '../../../src/protocol';

import { CLOSE, LIMITS, TYPING_TTL_MS, USERNAME_PATTERN as USERNAME_SOURCE } from '../../../src/protocol-constants';

export { CLOSE, TYPING_TTL_MS };
export const MAX_MESSAGE_LENGTH = LIMITS.MESSAGE_MAX_CHARS;
export const USERNAME_PATTERN = new RegExp(USERNAME_SOURCE.replace('+$', `{${LIMITS.USERNAME_MIN},${LIMITS.USERNAME_MAX}}$`));
export const { PASSWORD_MIN, PASSWORD_MAX, ROOM_NAME_MAX, ROOM_DESCRIPTION_MAX } = LIMITS;
