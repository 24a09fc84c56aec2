/**
 * The one query that reads messages as they are now (current state): author, the quoted original
 * of a reply, and the reactions, in ONE statement, whatever selects the rows (a history page, a
 * page around a seq, replay of the log, one message by id, the last message of rooms).
 *
 * Invariants: a deleted message's row is already a tombstone (body '', mentions, reply and
 * reactions cleared when it was deleted), so nothing here special-cases deletion except the
 * quote of a reply whose ORIGINAL was deleted: `deleted: true` and excerpt ''.
 * Reactions come grouped by emoji in the order the groups appeared (group_created_at, see the
 * schema), `userIds` in the order they reacted (created_at is clock_timestamp() at insert,
 * distinct within a transaction).
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import type { Attachment, Message, Reaction, ReplyTo, User } from '../protocol.js';
import { toIso } from '../lib/text.js';
import { toAttachment, toUser } from './mappers.js';

/**
 * A row returned by MessagesRepository.insertMany. A plain batch (no reply, no mention, the
 * common case) returns only the first six columns: the rest are then the column defaults.
 */
export interface InsertedRow {
  id: number | string;
  room_id: string;
  seq: number | string;
  author_id: string;
  client_msg_id: string;
  created_at: Date | string;
  mentions?: string[];
  mentions_room?: boolean;
  reply_to_id?: number | string | null;
  reply_excerpt?: string;
  reply_seq?: number | string | null;
  reply_author_id?: string | null;
  reply_author_username?: string | null;
  reply_author_display_name?: string | null;
  reply_author_avatar_url?: string | null;
  reply_author_created_at?: Date | string | null;
  reply_author_is_guest?: boolean | null;
  attachments?: AttachmentJson[] | null;
}

/** An attachment as ATTACHMENT_JSON builds it from `uploads u`. */
export interface AttachmentJson {
  id: string;
  kind: Attachment['kind'];
  name: string;
  mime: string;
  size: number | string;
  width: number | null;
  height: number | null;
  thumb: boolean;
}

/** One `uploads u` row as JSON (urls are made by the mapper). */
export const ATTACHMENT_JSON = sql`json_build_object('id', u.id, 'kind', u.kind, 'name', u.name, 'mime', u.mime, 'size', u.size,
  'width', u.width, 'height', u.height, 'thumb', u.thumb_key IS NOT NULL)`;

/** A message's attachments in order; none once it is deleted (a tombstone holds no files). */
const ATTACHMENTS = sql`(SELECT json_agg(${ATTACHMENT_JSON} ORDER BY ma.position)
       FROM message_attachments ma JOIN uploads u ON u.id = ma.upload_id
       WHERE ma.message_id = m.id AND m.deleted_at IS NULL)`;

const toAttachments = (rows: AttachmentJson[] | null | undefined): Attachment[] =>
  (rows ?? []).map((a) => toAttachment({ ...a, size: Number(a.size), thumbKey: a.thumb ? 'yes' : null }));

/** A row of MESSAGE_FROM, as both drivers return it (bigints may come back as strings). */
export interface MessageReadRow {
  id: number | string;
  room_id: string;
  seq: number | string;
  client_msg_id: string;
  body: string;
  created_at: Date | string;
  edited_at: Date | string | null;
  deleted_at: Date | string | null;
  mentions: string[] | null;
  mentions_room: boolean;
  author_id: string;
  author_username: string;
  author_display_name: string | null;
  author_avatar_url: string | null;
  author_created_at: Date | string;
  author_is_guest: boolean;
  reply_id: number | string | null;
  reply_seq: number | string | null;
  reply_excerpt: string;
  reply_deleted: boolean | null;
  reply_author_id: string | null;
  reply_author_username: string | null;
  reply_author_display_name?: string | null;
  reply_author_avatar_url: string | null;
  reply_author_created_at: Date | string | null;
  reply_author_is_guest: boolean | null;
  reactions: Reaction[] | null;
  attachments: AttachmentJson[] | null;
}

/**
 * Which state of a message: `current` (history pages: edits, deletion and reactions applied) or
 * `created` (the log: the message event as it was broadcast, i.e. before its edits and reactions;
 * a deleted message as its tombstone, so nothing deleted is ever served again).
 */
export type MessageState = 'current' | 'created';

const CURRENT_FIELDS = sql`m.body, m.edited_at, to_json(m.mentions) AS mentions, m.mentions_room`;
const CREATED_FIELDS = sql`coalesce(m.original_body, m.body) AS body, (CASE WHEN m.deleted_at IS NULL THEN NULL ELSE m.edited_at END) AS edited_at,
    to_json(coalesce(m.original_mentions, m.mentions)) AS mentions, coalesce(m.original_mentions_room, m.mentions_room) AS mentions_room`;

/** A message's reactions as JSON, grouped by emoji (see the header for the order). */
const REACTIONS = sql`(SELECT json_agg(json_build_object('emoji', g.emoji, 'count', g.n, 'userIds', g.users) ORDER BY g.first, g.emoji)
       FROM (SELECT r.emoji, count(*)::int AS n, json_agg(r.user_id ORDER BY r.created_at, r.user_id) AS users,
                    min(r.group_created_at) AS first
               FROM message_reactions r WHERE r.message_id = m.id GROUP BY r.emoji) g)`;

/**
 * `FROM messages m` with its author `a` and the original `o` (author `oa`) of a reply; selects
 * MessageReadRow. Callers add WHERE / ORDER BY / LIMIT on `m`.
 */
const messageFrom = (state: MessageState) => sql`
  SELECT m.id, m.room_id, m.seq, m.client_msg_id, m.created_at, m.deleted_at,
    ${state === 'current' ? CURRENT_FIELDS : CREATED_FIELDS},
    a.id AS author_id, a.username AS author_username, a.display_name AS author_display_name, a.avatar_url AS author_avatar_url, a.created_at AS author_created_at, a.is_guest AS author_is_guest,
    o.id AS reply_id, o.seq AS reply_seq, m.reply_excerpt, (o.deleted_at IS NOT NULL) AS reply_deleted,
    oa.id AS reply_author_id, oa.username AS reply_author_username, oa.display_name AS reply_author_display_name, oa.avatar_url AS reply_author_avatar_url,
    oa.created_at AS reply_author_created_at, oa.is_guest AS reply_author_is_guest,
    ${state === 'created' ? sql`NULL` : REACTIONS} AS reactions,
    ${ATTACHMENTS} AS attachments
  FROM messages m
  JOIN users a ON a.id = m.author_id
  LEFT JOIN messages o ON o.id = m.reply_to_id
  LEFT JOIN users oa ON oa.id = o.author_id`;

type ReplyFields = Pick<InsertedRow, 'reply_seq' | 'reply_excerpt' | 'reply_author_id' | 'reply_author_username' | 'reply_author_display_name' | 'reply_author_avatar_url' | 'reply_author_created_at' | 'reply_author_is_guest'>;

/** The quote of a reply (null when the message is none); a deleted original shows no excerpt. */
function replyOf(replyId: number | string | null | undefined, row: ReplyFields, deleted: boolean): ReplyTo | null {
  if (replyId == null || row.reply_author_id == null) return null;
  const author = toUser({
    id: row.reply_author_id,
    username: row.reply_author_username!,
    displayName: row.reply_author_display_name ?? null,
    avatarUrl: row.reply_author_avatar_url ?? null,
    isGuest: Boolean(row.reply_author_is_guest),
    createdAt: row.reply_author_created_at as Date,
  });
  return { id: String(replyId), seq: Number(row.reply_seq), author, excerpt: deleted ? '' : (row.reply_excerpt ?? ''), deleted };
}

export function toMessageFromRow(row: MessageReadRow): Message {
  const replyDeleted = Boolean(row.reply_deleted);
  return {
    id: String(row.id),
    roomId: row.room_id,
    seq: Number(row.seq),
    clientMsgId: row.client_msg_id,
    author: toUser({ id: row.author_id, username: row.author_username, displayName: row.author_display_name, avatarUrl: row.author_avatar_url, isGuest: row.author_is_guest, createdAt: row.author_created_at as Date }),
    body: row.body,
    createdAt: toIso(row.created_at),
    editedAt: row.edited_at === null ? null : toIso(row.edited_at),
    deletedAt: row.deleted_at === null ? null : toIso(row.deleted_at),
    attachments: toAttachments(row.attachments),
    replyTo: replyOf(row.reply_id, row, replyDeleted),
    mentions: row.mentions ?? [],
    mentionsRoom: row.mentions_room,
    reactions: row.reactions ?? [],
  };
}

/** Runs a statement and returns its rows (an Executor's execute, or Database.prepared). */
export type RowsRunner = <T>(query: SQL) => Promise<T[]>;

/**
 * Reads messages in the given state; `tail` selects them (WHERE ... ORDER BY ... LIMIT ... on `m`).
 * `db` may be a RowsRunner (a prepared statement for the history pages, which repeat one text).
 */
export async function readMessages(db: Executor | RowsRunner, tail: SQL, state: MessageState = 'current'): Promise<Message[]> {
  const query = sql`${messageFrom(state)} ${tail}`;
  const rows =
    typeof db === 'function'
      ? await db<MessageReadRow>(query)
      : ((await db.execute(query)) as unknown as { rows: MessageReadRow[] }).rows;
  return rows.map(toMessageFromRow);
}

/** The newest message (deleted ones included) of each room, by room id. */
export async function latestMessagesOf(db: Executor, roomIds: string[]): Promise<Map<string, Message>> {
  if (!roomIds.length) return new Map();
  const rows = await readMessages(
    db,
    sql`WHERE m.id IN (
          SELECT l.id FROM (SELECT json_array_elements_text(${JSON.stringify(roomIds)}::json)::uuid AS id) r
          CROSS JOIN LATERAL (SELECT x.id FROM messages x WHERE x.room_id = r.id ORDER BY x.seq DESC LIMIT 1) l)`,
  );
  return new Map(rows.map((m) => [m.roomId, m]));
}

/** A message just stored by MessagesRepository.insertMany, built from its row and what was sent. */
export function toInsertedMessage(row: InsertedRow, body: string, author: User): Message {
  return {
    id: String(row.id),
    roomId: row.room_id,
    seq: Number(row.seq),
    clientMsgId: row.client_msg_id,
    author,
    body,
    createdAt: toIso(row.created_at),
    editedAt: null,
    deletedAt: null,
    attachments: row.attachments ? toAttachments(row.attachments) : [],
    replyTo: replyOf(row.reply_to_id, row, false),
    mentions: row.mentions ?? [],
    mentionsRoom: row.mentions_room ?? false,
    reactions: [],
  };
}
