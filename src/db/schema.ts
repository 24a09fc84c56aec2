/**
 * One schema for both drivers (node-postgres and embedded PGlite). Migrations in drizzle/ are
 * generated from this file by drizzle-kit; the trigram search index is a hand-written migration, as
 * are `unaccent` and the `rtchat_search` configuration (drizzle/0006_message_search.sql).
 */
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  boolean,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { AUDIT_ACTIONS } from '../protocol-constants.js';

/** Postgres `tsvector`: written by the database only (a generated column), never selected. */
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });
/** Message search's configuration: `simple` (every language) with letter words unaccented first. */
export const SEARCH_CONFIG = 'rtchat_search';

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    username: text('username').notNull(),
    email: text('email'),
    /** null for a guest (never logs in by password; the check below keeps full accounts with one). */
    passwordHash: text('password_hash'),
    avatarUrl: text('avatar_url'),
    /** Shown instead of the username where set (1-48 characters, cleaned like a room name). */
    displayName: text('display_name'),
    /** A guest account (POST /api/auth/guest) until upgraded; stays true once the sweep removed it. */
    isGuest: boolean('is_guest').notNull().default(false),
    /** Creation, then a guest's requests (at most one write an hour); the guest sweep reads it. */
    lastActiveAt: timestamp('last_active_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /** When the guest sweep anonymised the account ("deleted-guest-…"); its messages stay. */
    deletedAt: timestamp('deleted_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('users_username_lower_key').on(sql`lower(${t.username})`),
    uniqueIndex('users_email_lower_key').on(sql`lower(${t.email})`),
    // The guest sweep: live guests by last activity.
    index('users_live_guests_idx').on(t.lastActiveAt).where(sql`${t.isGuest} AND ${t.deletedAt} IS NULL`),
    check('users_password_unless_guest', sql`${t.passwordHash} IS NOT NULL OR ${t.isGuest}`),
  ],
);

export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    /** The browser or client that signed in (sanitized, truncated; null when it sent none). */
    userAgent: text('user_agent'),
    /**
     * Last request seen on this session, flushed from memory in batches (services/session-activity.ts),
     * so it may lag by up to SESSION_LAST_SEEN_FLUSH_MS. Not indexed: the sessions list reads it
     * through sessions_user_id_idx; an inactivity sweep scans the table rarely.
     */
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('sessions_user_id_idx').on(t.userId)],
);

export const rooms = pgTable(
  'rooms',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    isPrivate: boolean('is_private').notNull().default(false),
    /**
     * Comparison key of the name (src/lib/confusables.ts): look-alike names share it. Unique among
     * public rooms only, so a private room's name never blocks another room and nobody outside it
     * learns it exists. NULL only for a room from before this column whose key collided with
     * another room's at the start-up backfill (it then blocks nothing).
     */
    nameKey: text('name_key'),
    inviteCode: text('invite_code').notNull(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id),
    /** Highest seq assigned; bumped in the same statement that inserts the messages. */
    lastSeq: bigint('last_seq', { mode: 'number' }).notNull().default(0),
    memberCount: integer('member_count').notNull().default(0),
    /** Newest activity (creation, then last message) for the joined-rooms ordering. */
    lastActivityAt: timestamp('last_activity_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /** `/api/files/<id>` of the room's image (an `uploads` row with purpose room_image), or null. */
    imageUrl: text('image_url'),
    /** Slow mode: a member (not owner or moderator) sends at most one message per this many seconds; 0 = off. */
    slowModeSec: integer('slow_mode_sec').notNull().default(0),
    /**
     * Set when the owner deletes the room: from then on the room is not found by anyone (access
     * reads filter it), its memberships are gone and its name_key is NULL (the name is free again).
     * The row stays as a tombstone holding its audit; the sweeper purges its messages later.
     */
    deletedAt: timestamp('deleted_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
  },
  (t) => [
    // ROOM_NAME_TAKEN: one public room per look-alike name (private rooms are not in it).
    uniqueIndex('rooms_public_name_key').on(t.nameKey).where(sql`NOT ${t.isPrivate}`),
    uniqueIndex('rooms_invite_code_key').on(t.inviteCode),
    // Public listing without a query: most members first.
    index('rooms_public_popular_idx')
      .on(t.memberCount.desc(), t.id)
      .where(sql`NOT ${t.isPrivate}`),
  ],
);

export const roomMembers = pgTable(
  'room_members',
  {
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ['owner', 'moderator', 'member'] })
      .notNull()
      .default('member'),
    lastReadSeq: bigint('last_read_seq', { mode: 'number' }).notNull().default(0),
    joinedAt: timestamp('joined_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.roomId, t.userId] }),
    // Joined-rooms listing for a user.
    index('room_members_user_idx').on(t.userId, t.roomId),
    // Member listing of a room in join order (keyset).
    index('room_members_room_joined_idx').on(t.roomId, t.joinedAt, t.userId),
  ],
);

export const messages = pgTable(
  'messages',
  {
    /** UUIDv7, generated by the server (src/lib/uuid-v7.ts): unguessable, not counting, time-ordered. */
    id: uuid('id').primaryKey(),
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    /** The seq of the log event that created the message. */
    seq: bigint('seq', { mode: 'number' }).notNull(),
    authorId: uuid('author_id')
      .notNull()
      .references(() => users.id),
    clientMsgId: text('client_msg_id').notNull(),
    /** Current body ('' once deleted). */
    body: text('body').notNull(),
    createdAt: createdAt(),
    editedAt: timestamp('edited_at', { withTimezone: true, mode: 'date' }),
    /** A tombstone: body, mentions, reply and reactions are cleared; id and seq stay. */
    deletedAt: timestamp('deleted_at', { withTimezone: true, mode: 'date' }),
    deletedBy: uuid('deleted_by').references(() => users.id),
    /** The message replied to, always of the same room (checked when the reply is stored). */
    replyToId: uuid('reply_to_id').references((): AnyPgColumn => messages.id, { onDelete: 'set null' }),
    /** The first REPLY_EXCERPT_CHARS code points of the original's body when the reply was stored. */
    replyExcerpt: text('reply_excerpt').notNull().default(''),
    /** Members mentioned by @username, resolved when stored or edited. */
    mentions: uuid('mentions').array().notNull().default(sql`'{}'::uuid[]`),
    /** @room by an owner or moderator: every member is mentioned. */
    mentionsRoom: boolean('mentions_room').notNull().default(false),
    /**
     * The message as it was sent, kept by its first edit (null while never edited): replay and
     * events?after serve a message as it was created, so applying the events after it gives
     * exactly the current state. Cleared by a deletion.
     */
    originalBody: text('original_body'),
    originalMentions: uuid('original_mentions').array(),
    originalMentionsRoom: boolean('original_mentions_room'),
    /** Lexemes of the current body (edits recompute it). STORED: PG 18's default VIRTUAL cannot be indexed. */
    searchVector: tsvector('search_vector')
      .notNull()
      .generatedAlwaysAs(sql`to_tsvector('rtchat_search'::regconfig, body)`),
  },
  (t) => [
    // Keyset history in both directions, the last message of a room, resume with sinceSeq,
    // unread and mention counts after a read cursor.
    uniqueIndex('messages_room_seq_key').on(t.roomId, t.seq),
    // Idempotent sends: one message per (author, clientMsgId).
    uniqueIndex('messages_author_client_msg_id_key').on(t.authorId, t.clientMsgId),
    // Mention counts after a read cursor: only the (few) messages that mention anyone.
    index('messages_mentions_idx')
      .on(t.roomId, t.seq)
      .where(sql`${t.mentionsRoom} OR cardinality(${t.mentions}) > 0`),
    // Message search (GET /api/search): which messages hold the query's lexemes.
    index('messages_search_idx').using('gin', t.searchVector),
  ],
);

/**
 * Who reacted with what: one row per (message, emoji, user). created_at orders `userIds`;
 * group_created_at, the same on every row of one (message, emoji), is when that emoji's group
 * appeared (its first reaction while it had none) and orders the groups, so a group keeps its
 * place until it is empty, exactly as a client applying the reaction events sees it.
 */
export const reactions = pgTable(
  'message_reactions',
  {
    messageId: uuid('message_id')
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    emoji: text('emoji').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    groupCreatedAt: timestamp('group_created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  // The primary key serves every query: a message's reactions (prefix), one emoji's count, a repeat.
  (t) => [primaryKey({ columns: [t.messageId, t.emoji, t.userId] })],
);

export const UPLOAD_PURPOSES = ['attachment', 'avatar', 'room_image'] as const;
export const ATTACHMENT_KINDS = ['image', 'video', 'file'] as const;

/**
 * Every stored file. Who may read it:
 * - an attachment not yet claimed (claimed_at null): its owner only;
 * - a claimed attachment: members of the room of the message holding it (message_attachments)
 *   while that message is not deleted; nobody once the message or its room is gone;
 * - an avatar or room image: any signed-in user until it is released (replaced or removed).
 * claimed_at is never reset, so a file whose message disappeared is never served again; the
 * sweeper removes its bytes and row after the grace period.
 */
export const uploads = pgTable(
  'uploads',
  {
    /** Random (crypto.randomUUID, 122 random bits): ids are unguessable. */
    id: uuid('id').primaryKey(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    purpose: text('purpose', { enum: UPLOAD_PURPOSES }).notNull(),
    kind: text('kind', { enum: ATTACHMENT_KINDS }).notNull(),
    name: text('name').notNull(),
    mime: text('mime').notNull(),
    /** Bytes of the file as stored (original or re-encoded); with thumb_size, what counts against the quota. */
    size: bigint('size', { mode: 'number' }).notNull(),
    thumbSize: bigint('thumb_size', { mode: 'number' }).notNull().default(0),
    width: integer('width'),
    height: integer('height'),
    storageKey: text('storage_key').notNull(),
    thumbKey: text('thumb_key'),
    createdAt: createdAt(),
    claimedAt: timestamp('claimed_at', { withTimezone: true, mode: 'date' }),
    releasedAt: timestamp('released_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    // Quota (sum per owner) and the owner's unclaimed uploads.
    index('uploads_owner_idx').on(t.ownerId),
    // The sweeper: unclaimed attachments by age.
    index('uploads_unclaimed_idx')
      .on(t.createdAt)
      .where(sql`${t.claimedAt} IS NULL AND ${t.purpose} = 'attachment'`),
  ],
);

/** Which message holds an upload: the primary key makes a second claim of one upload fail. */
export const messageAttachments = pgTable(
  'message_attachments',
  {
    uploadId: uuid('upload_id')
      .primaryKey()
      .references(() => uploads.id, { onDelete: 'cascade' }),
    messageId: uuid('message_id')
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
  },
  // A message's attachments in order (every message read).
  (t) => [index('message_attachments_message_idx').on(t.messageId, t.position)],
);

export const LOG_EVENT_KINDS = ['edit', 'delete', 'reaction'] as const;

/**
 * The room log's events other than messages (a message's event is its `messages` row). `payload`
 * is exactly the frame it was broadcast as, so replay, gap fill and `events?after=` serve that
 * frame again. Its seq comes from the same rooms.last_seq counter as messages.
 */
export const roomEvents = pgTable(
  'room_events',
  {
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    kind: text('kind', { enum: LOG_EVENT_KINDS }).notNull(),
    messageId: uuid('message_id')
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    actorId: uuid('actor_id')
      .notNull()
      .references(() => users.id),
    payload: jsonb('payload').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    // Replay, gap fill and events?after= read a room's log in seq order.
    primaryKey({ columns: [t.roomId, t.seq] }),
    // A deletion scrubs the message's earlier edit events; the cascade from messages.
    index('room_events_message_idx').on(t.messageId),
  ],
);

/**
 * Who may not (re)join a room. A ban outlives the membership (banning someone who left works),
 * and joining by id or by invite is refused while the row exists (room-access requireJoinable).
 */
export const roomBans = pgTable(
  'room_bans',
  {
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    reason: text('reason').notNull().default(''),
    bannedBy: uuid('banned_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [
    // The access read's "is this user banned here" probe, and one ban's upsert/removal.
    primaryKey({ columns: [t.roomId, t.userId] }),
    // GET /bans: a room's bans, newest first.
    index('room_bans_room_created_idx').on(t.roomId, t.createdAt),
  ],
);


/**
 * Every moderation action, written in the same transaction as the action itself. `target_id` is
 * a user or a message (by action) and deliberately not a foreign key: the record outlives it.
 */
export const roomAudit = pgTable(
  'room_audit',
  {
    /** UUIDv7 (server-made): time-ordered, so (room_id, id) orders a room's entries. */
    id: uuid('id').primaryKey(),
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    actorId: uuid('actor_id').references(() => users.id, { onDelete: 'set null' }),
    action: text('action', { enum: AUDIT_ACTIONS }).notNull(),
    targetId: uuid('target_id'),
    details: jsonb('details').notNull().default(sql`'{}'::jsonb`),
    createdAt: createdAt(),
  },
  // GET /audit: a room's entries newest first, keyset on id.
  (t) => [index('room_audit_room_id_idx').on(t.roomId, t.id)],
);

export type UserRow = typeof users.$inferSelect;
export type RoomRow = typeof rooms.$inferSelect;
export type MemberRow = typeof roomMembers.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;
export type ReactionRow = typeof reactions.$inferSelect;
export type RoomEventRow = typeof roomEvents.$inferSelect;
export type UploadRow = typeof uploads.$inferSelect;
export type RoomBanRow = typeof roomBans.$inferSelect;
export type RoomAuditRow = typeof roomAudit.$inferSelect;
