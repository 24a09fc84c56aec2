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

/** Close codes on /ws (PROTOCOL.md); mirrors CLOSE in src/protocol.ts without importing its runtime. */
export const CLOSE = {
  GOING_AWAY: 1001,
  TOO_BIG: 1009,
  SESSION_ENDED: 4001,
  POLICY: 4008,
  TOO_SLOW: 4009,
} as const;

export const MAX_MESSAGE_LENGTH = 4000;
export const USERNAME_PATTERN = /^[A-Za-z0-9_]{3,24}$/;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;
export const ROOM_NAME_MAX = 64;
export const ROOM_DESCRIPTION_MAX = 500;
