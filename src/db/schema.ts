/**
 * One schema for both drivers (node-postgres and embedded PGlite). Migrations in drizzle/ are
 * generated from this file by drizzle-kit; the trigram search index is a hand-written migration.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    username: text('username').notNull(),
    email: text('email'),
    passwordHash: text('password_hash').notNull(),
    avatarUrl: text('avatar_url'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('users_username_lower_key').on(sql`lower(${t.username})`),
    uniqueIndex('users_email_lower_key').on(sql`lower(${t.email})`),
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
    role: text('role', { enum: ['owner', 'member'] })
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
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    authorId: uuid('author_id')
      .notNull()
      .references(() => users.id),
    clientMsgId: text('client_msg_id').notNull(),
    body: text('body').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    // Keyset history in both directions, the last message of a room, resume with sinceSeq.
    uniqueIndex('messages_room_seq_key').on(t.roomId, t.seq),
    // Idempotent sends: one message per (author, clientMsgId).
    uniqueIndex('messages_author_client_msg_id_key').on(t.authorId, t.clientMsgId),
  ],
);

export type UserRow = typeof users.$inferSelect;
export type RoomRow = typeof rooms.$inferSelect;
export type MemberRow = typeof roomMembers.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;
