/**
 * The wire contract (docs/protocol.md) as TypeBox schemas: the single source of truth for the
 * REST route schemas, the runtime check of every WebSocket frame, the type of every frame the
 * server sends (`ServerFrame`), and the client's types (the SPA imports this file with `import type`).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

export const PROTOCOL_VERSION = 2 as const;

export { AUDIT_ACTIONS, CLOSE, LIMITS, TYPING_TTL_MS, USERNAME_PATTERN, type CloseCode } from './protocol-constants.js';
import { AUDIT_ACTIONS, LIMITS, USERNAME_PATTERN } from './protocol-constants.js';

/** Stable error codes, shared by HTTP errors and `error` frames. */
export const ERROR_CODES = [
  'VALIDATION',
  'UNAUTHORIZED',
  'FORBIDDEN_ORIGIN',
  'FORBIDDEN',
  'NOT_FOUND',
  'USERNAME_TAKEN',
  'EMAIL_TAKEN',
  'NOT_A_GUEST',
  'INVALID_CREDENTIALS',
  'USER_NOT_FOUND',
  'SESSION_NOT_FOUND',
  'RATE_LIMITED',
  'ROOM_NAME_TAKEN',
  'ROOM_NOT_FOUND',
  'INVALID_INVITE',
  'NOT_A_MEMBER',
  'BANNED',
  'MESSAGE_TOO_LONG',
  'FORBIDDEN',
  'MESSAGE_NOT_FOUND',
  'TOO_MANY_REACTIONS',
  'PAYLOAD_TOO_LARGE',
  'HEADERS_TOO_LARGE',
  'REQUEST_TIMEOUT',
  'UNSUPPORTED_MEDIA_TYPE',
  'FILE_TOO_LARGE',
  'ATTACHMENT_UNAVAILABLE',
  'QUOTA_EXCEEDED',
  'UNAVAILABLE',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

// ---------------------------------------------------------------------------------------------
// Field formats
// ---------------------------------------------------------------------------------------------

export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
export const Id = Type.String({ pattern: UUID_PATTERN, description: 'UUID' });
/** UUIDv7 made by the server: unguessable and not counting; order messages by `seq`, never by id. */
export const MessageId = Type.String({ pattern: UUID_PATTERN, description: 'UUID (version 7)' });
export const Timestamp = Type.String({ format: 'date-time' });
/** Printable ASCII without spaces: UUIDs, ULIDs, nanoids all fit. */
export const ClientMsgId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\x21-\\x7E]+$' });
export const Seq = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
/** Uploads (POST /api/uploads) of the sender that no message holds yet, in display order. */
export const AttachmentIds = Type.Array(Id, { maxItems: LIMITS.MAX_ATTACHMENTS, uniqueItems: true });
export const Username = Type.String({ minLength: LIMITS.USERNAME_MIN, maxLength: LIMITS.USERNAME_MAX, pattern: USERNAME_PATTERN });

// ---------------------------------------------------------------------------------------------
// Objects
// ---------------------------------------------------------------------------------------------

export const User = Type.Object(
  {
    id: Id,
    username: Type.String(),
    /** Shown instead of the username where set (PATCH /api/users/me); null when unset. */
    displayName: Type.Union([Type.String(), Type.Null()]),
    avatarUrl: Type.Union([Type.String(), Type.Null()]),
    /** false until guest accounts exist. */
    isGuest: Type.Boolean(),
    createdAt: Timestamp,
  },
  { $id: 'User' },
);
export type User = Static<typeof User>;

export const Room = Type.Object(
  {
    id: Id,
    name: Type.String(),
    description: Type.String(),
    isPrivate: Type.Boolean(),
    ownerId: Id,
    memberCount: Type.Integer(),
    /** The room log's newest event (message, edit, deletion or reaction). */
    lastSeq: Type.Integer(),
    imageUrl: Type.Union([Type.String(), Type.Null()]),
    /** 0 = off. */
    slowModeSec: Type.Integer({ minimum: 0 }),
    createdAt: Timestamp,
  },
  { $id: 'Room' },
);
export type Room = Static<typeof Room>;

export const Attachment = Type.Object(
  {
    id: Id,
    kind: Type.Union([Type.Literal('image'), Type.Literal('video'), Type.Literal('file')]),
    name: Type.String(),
    mime: Type.String(),
    size: Type.Integer(),
    width: Type.Union([Type.Integer(), Type.Null()]),
    height: Type.Union([Type.Integer(), Type.Null()]),
    url: Type.String(),
    thumbUrl: Type.Union([Type.String(), Type.Null()]),
  },
);
export type Attachment = Static<typeof Attachment>;

/** The message a reply quotes: `excerpt` is stored with the reply; '' and `deleted: true` once the original is deleted. */
export const ReplyTo = Type.Object({
  id: MessageId,
  seq: Type.Integer(),
  // User's fields without its $id: one response may hold a schema $id only once per path.
  author: Type.Object(User.properties),
  excerpt: Type.String(),
  deleted: Type.Boolean(),
});
export type ReplyTo = Static<typeof ReplyTo>;

/** One emoji on a message: `userIds` complete, in the order they reacted. */
export const Reaction = Type.Object({ emoji: Type.String(), count: Type.Integer(), userIds: Type.Array(Id) });
export type Reaction = Static<typeof Reaction>;

/**
 * A message as it is now (edits applied). A deleted message keeps id and seq; its body is '' and
 * attachments, replyTo, mentions and reactions are empty.
 */
export const Message = Type.Object(
  {
    id: MessageId,
    roomId: Id,
    seq: Type.Integer(),
    clientMsgId: Type.String(),
    author: User,
    body: Type.String(),
    createdAt: Timestamp,
    editedAt: Type.Union([Timestamp, Type.Null()]),
    deletedAt: Type.Union([Timestamp, Type.Null()]),
    attachments: Type.Array(Attachment),
    replyTo: Type.Union([ReplyTo, Type.Null()]),
    /** Users mentioned by `@username` (members, resolved by the server). */
    mentions: Type.Array(Id),
    /** `@room` by an owner or moderator: every member is mentioned (not listed in `mentions`). */
    mentionsRoom: Type.Boolean(),
    reactions: Type.Array(Reaction),
  },
  { $id: 'Message' },
);
export type Message = Static<typeof Message>;

export const Role = Type.Union([Type.Literal('owner'), Type.Literal('moderator'), Type.Literal('member')]);
export type Role = Static<typeof Role>;

// Spread, not Type.Composite: a composite clones its parts, and two clones of `User` (the author
// and the reply's author) under one $id break the response serializer.
export const JoinedRoom = Type.Object({
  ...Room.properties,
  role: Role,
  lastReadSeq: Type.Integer(),
  /** Others' messages (not deleted) after lastReadSeq, at most UNREAD_CAP. */
  unreadCount: Type.Integer(),
  /** Those of them that mention the reader (by name or @room), at most UNREAD_CAP. */
  mentionCount: Type.Integer(),
  lastMessage: Type.Union([Message, Type.Null()]),
});
export type JoinedRoom = Static<typeof JoinedRoom>;

export const ListedRoom = Type.Composite([Room, Type.Object({ joined: Type.Boolean() })]);
export type ListedRoom = Static<typeof ListedRoom>;

export const Member = Type.Object({
  user: User,
  role: Role,
  online: Type.Boolean(),
  joinedAt: Timestamp,
});
export type Member = Static<typeof Member>;

export const ErrorBody = Type.Object(
  {
    statusCode: Type.Integer(),
    code: Type.String(),
    error: Type.String(),
    message: Type.String(),
    retryAfterMs: Type.Optional(Type.Integer()),
  },
  { $id: 'Error' },
);
export type ErrorBody = Static<typeof ErrorBody>;

/** Route schema helper: these statuses answer with the error shape. */
export const errorResponses = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, ErrorBody]));

// ---------------------------------------------------------------------------------------------
// WebSocket frames, client -> server
// ---------------------------------------------------------------------------------------------

const strict = { additionalProperties: false } as const;

export const SubscribeFrame = Type.Object(
  { type: Type.Literal('subscribe'), roomId: Id, sinceSeq: Type.Optional(Seq) },
  strict,
);
export const UnsubscribeFrame = Type.Object({ type: Type.Literal('unsubscribe'), roomId: Id }, strict);
export const SendFrame = Type.Object(
  {
    type: Type.Literal('send'),
    roomId: Id,
    clientMsgId: ClientMsgId,
    // The character limit is checked after trimming (MESSAGE_TOO_LONG); this only bounds the JSON.
    body: Type.String(),
    /** A message of the same room (else MESSAGE_NOT_FOUND). */
    replyToId: Type.Optional(MessageId),
    /** With attachments, `body` may be empty. */
    attachmentIds: Type.Optional(AttachmentIds),
  },
  strict,
);
/** A client-chosen id echoed as `ref` by an `error` frame about this frame. */
const FrameRef = Type.String({ minLength: 1, maxLength: 64 });
/** One emoji grapheme; checked further by the server (src/lib/emoji.ts). */
export const Emoji = Type.String({ minLength: 1, maxLength: 64 });
export const EditClientFrame = Type.Object(
  { type: Type.Literal('edit'), roomId: Id, messageId: MessageId, body: Type.String(), ref: Type.Optional(FrameRef) },
  strict,
);
export const DeleteClientFrame = Type.Object(
  { type: Type.Literal('delete'), roomId: Id, messageId: MessageId, ref: Type.Optional(FrameRef) },
  strict,
);
export const ReactClientFrame = Type.Object(
  {
    type: Type.Literal('react'),
    roomId: Id,
    messageId: MessageId,
    emoji: Emoji,
    /** true adds the caller's reaction, false removes it. */
    add: Type.Boolean(),
    ref: Type.Optional(FrameRef),
  },
  strict,
);
export const TypingFrame = Type.Object(
  { type: Type.Literal('typing'), roomId: Id, isTyping: Type.Boolean() },
  strict,
);
export const ReadFrame = Type.Object({ type: Type.Literal('read'), roomId: Id, seq: Seq }, strict);
export const PingFrame = Type.Object({ type: Type.Literal('ping') }, strict);

export const ClientFrame = Type.Union([
  SubscribeFrame,
  UnsubscribeFrame,
  SendFrame,
  TypingFrame,
  ReadFrame,
  PingFrame,
  EditClientFrame,
  DeleteClientFrame,
  ReactClientFrame,
]);
export type ClientFrame = Static<typeof ClientFrame>;
export type ClientFrameType = ClientFrame['type'];
export const CLIENT_FRAME_SCHEMAS: Record<ClientFrameType, TSchema> = {
  subscribe: SubscribeFrame,
  unsubscribe: UnsubscribeFrame,
  send: SendFrame,
  typing: TypingFrame,
  read: ReadFrame,
  ping: PingFrame,
  edit: EditClientFrame,
  delete: DeleteClientFrame,
  react: ReactClientFrame,
};

// ---------------------------------------------------------------------------------------------
// WebSocket frames, server -> client
// ---------------------------------------------------------------------------------------------

export const ReadyFrame = Type.Object({
  type: Type.Literal('ready'),
  user: User,
  protocol: Type.Literal(PROTOCOL_VERSION),
  heartbeatMs: Type.Integer(),
});
export const SubscribedFrame = Type.Object({
  type: Type.Literal('subscribed'),
  roomId: Id,
  lastSeq: Type.Integer(),
  recovered: Type.Boolean(),
  online: Type.Array(Id),
});
export const AckFrame = Type.Object({ type: Type.Literal('ack'), clientMsgId: Type.String(), message: Message });
export const MessageFrame = Type.Object({ type: Type.Literal('message'), message: Message });
/** Log event: a message's body was edited (mentions re-resolved). */
export const EditFrame = Type.Object({
  type: Type.Literal('edit'),
  roomId: Id,
  seq: Type.Integer(),
  messageId: MessageId,
  body: Type.String(),
  mentions: Type.Array(Id),
  mentionsRoom: Type.Boolean(),
  editedAt: Timestamp,
});
/** Log event: a message became a tombstone (body, mentions, replyTo, reactions cleared). */
export const DeleteFrame = Type.Object({
  type: Type.Literal('delete'),
  roomId: Id,
  seq: Type.Integer(),
  messageId: MessageId,
  deletedBy: Id,
  deletedAt: Timestamp,
});
/** Log event: `userId` added or removed `emoji`; `count` is the emoji's count after it. */
export const ReactionFrame = Type.Object({
  type: Type.Literal('reaction'),
  roomId: Id,
  seq: Type.Integer(),
  messageId: MessageId,
  emoji: Type.String(),
  userId: Id,
  added: Type.Boolean(),
  count: Type.Integer(),
});
/** Every frame that is an event of a room log (it has a seq): replayed, gap-filled, served by `events?after=`. */
export const LogFrame = Type.Union([MessageFrame, EditFrame, DeleteFrame, ReactionFrame]);
/** To a mentioned user's connections that are not subscribed to the room (not a log event). */
export const MentionFrame = Type.Object({
  type: Type.Literal('mention'),
  roomId: Id,
  messageId: MessageId,
  seq: Type.Integer(),
});
export const TypingEventFrame = Type.Object({
  type: Type.Literal('typing'),
  roomId: Id,
  user: User,
  isTyping: Type.Boolean(),
});
export const PresenceFrame = Type.Object({
  type: Type.Literal('presence'),
  roomId: Id,
  userId: Id,
  online: Type.Boolean(),
});
/**
 * `kicked`: removed by an owner or moderator (a ban too); `role`: the owner changed the user's role
 * (`role` is the new one). Both go to the room and to the user's own connections.
 */
export const MemberAction = Type.Union([Type.Literal('joined'), Type.Literal('left'), Type.Literal('kicked'), Type.Literal('role')]);
export const MemberFrame = Type.Object({
  type: Type.Literal('member'),
  roomId: Id,
  action: MemberAction,
  user: User,
  /** With `action: "role"` only: the user's role from now on. */
  role: Type.Optional(Role),
});
/** The room's settings changed (name, description, slow mode, image, owner): not a log event. */
export const RoomFrame = Type.Object({ type: Type.Literal('room'), room: Room });
/** The owner deleted the room: the connection is unsubscribed from it. */
export const RoomDeletedFrame = Type.Object({ type: Type.Literal('room_deleted'), roomId: Id });
export const ReadEventFrame = Type.Object({ type: Type.Literal('read'), roomId: Id, seq: Type.Integer() });
export const PongFrame = Type.Object({ type: Type.Literal('pong') });
export const ErrorFrame = Type.Object({
  type: Type.Literal('error'),
  code: Type.String(),
  message: Type.String(),
  ref: Type.Optional(Type.String()),
  retryAfterMs: Type.Optional(Type.Integer()),
});

export const ServerFrame = Type.Union([
  ReadyFrame,
  SubscribedFrame,
  AckFrame,
  MessageFrame,
  EditFrame,
  DeleteFrame,
  ReactionFrame,
  MentionFrame,
  TypingEventFrame,
  PresenceFrame,
  MemberFrame,
  RoomFrame,
  RoomDeletedFrame,
  ReadEventFrame,
  PongFrame,
  ErrorFrame,
]);
export type ServerFrame = Static<typeof ServerFrame>;
export type ReadyFrame = Static<typeof ReadyFrame>;
export type SubscribedFrame = Static<typeof SubscribedFrame>;
export type AckFrame = Static<typeof AckFrame>;
export type MessageFrame = Static<typeof MessageFrame>;
export type EditFrame = Static<typeof EditFrame>;
export type DeleteFrame = Static<typeof DeleteFrame>;
export type ReactionFrame = Static<typeof ReactionFrame>;
export type LogFrame = Static<typeof LogFrame>;
export type LogFrameType = LogFrame['type'];
export type MentionFrame = Static<typeof MentionFrame>;
export type TypingEventFrame = Static<typeof TypingEventFrame>;
export type PresenceFrame = Static<typeof PresenceFrame>;
export type MemberFrame = Static<typeof MemberFrame>;
export type RoomFrame = Static<typeof RoomFrame>;
export type RoomDeletedFrame = Static<typeof RoomDeletedFrame>;
export type ReadEventFrame = Static<typeof ReadEventFrame>;
export type PongFrame = Static<typeof PongFrame>;
export type ErrorFrame = Static<typeof ErrorFrame>;
export type ServerFrameType = ServerFrame['type'];

// ---------------------------------------------------------------------------------------------
// HTTP bodies (shared with the client)
// ---------------------------------------------------------------------------------------------

export const AuthResponse = Type.Object({ user: User, token: Type.String() });
export type AuthResponse = Static<typeof AuthResponse>;
export const RoomResponse = Type.Object({ room: Room, inviteCode: Type.Optional(Type.String()) });
export type RoomResponse = Static<typeof RoomResponse>;
export const RoomListResponse = Type.Object({
  rooms: Type.Array(ListedRoom),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type RoomListResponse = Static<typeof RoomListResponse>;
export const JoinedRoomsResponse = Type.Object({ rooms: Type.Array(JoinedRoom) });
export type JoinedRoomsResponse = Static<typeof JoinedRoomsResponse>;
export const MembersResponse = Type.Object({
  members: Type.Array(Member),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type MembersResponse = Static<typeof MembersResponse>;
export const MessagesResponse = Type.Object({
  messages: Type.Array(Message),
  /** before/after: more beyond this page in that direction; around: hasOlder || hasNewer. */
  hasMore: Type.Boolean(),
  /** Only with `around`. */
  hasOlder: Type.Optional(Type.Boolean()),
  hasNewer: Type.Optional(Type.Boolean()),
});
export type MessagesResponse = Static<typeof MessagesResponse>;
export const MessageResponse = Type.Object({ message: Message });
export type MessageResponse = Static<typeof MessageResponse>;
/** `[start, end)` code-point range of a message body: one matched word or phrase. */
export const Highlight = Type.Tuple([Type.Integer({ minimum: 0 }), Type.Integer({ minimum: 0 })]);
export const SearchResult = Type.Object({ message: Message, highlights: Type.Array(Highlight) });
export type SearchResult = Static<typeof SearchResult>;
export const SearchResponse = Type.Object({
  results: Type.Array(SearchResult),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type SearchResponse = Static<typeof SearchResponse>;
export const EventsResponse = Type.Object({ events: Type.Array(LogFrame), hasMore: Type.Boolean() });
export type EventsResponse = Static<typeof EventsResponse>;

// Running a room (moderation)
/** A ban: `user` is the banned account, `bannedBy` who banned (null once that account is gone). */
export const Ban = Type.Object({
  user: Type.Object(User.properties),
  reason: Type.String(),
  bannedBy: Type.Union([Type.Object(User.properties), Type.Null()]),
  createdAt: Timestamp,
});
export type Ban = Static<typeof Ban>;
export const BansResponse = Type.Object({ bans: Type.Array(Ban) });
export type BansResponse = Static<typeof BansResponse>;
export const AuditAction = Type.Union(AUDIT_ACTIONS.map((a) => Type.Literal(a)));
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
/** One moderation action: `target` is the user acted on (kick, ban, unban, role, ownership) or null. */
export const AuditEntry = Type.Object({
  id: Id,
  action: AuditAction,
  actor: Type.Union([Type.Object(User.properties), Type.Null()]),
  target: Type.Union([Type.Object(User.properties), Type.Null()]),
  /** Per action: settings {changes: {field: {from, to}}}; role {from, to}; ban {reason}; message_deleted {messageId, authorId}. */
  details: Type.Record(Type.String(), Type.Unknown()),
  createdAt: Timestamp,
});
export type AuditEntry = Static<typeof AuditEntry>;
export const AuditResponse = Type.Object({ entries: Type.Array(AuditEntry), nextCursor: Type.Union([Type.String(), Type.Null()]) });
export type AuditResponse = Static<typeof AuditResponse>;
