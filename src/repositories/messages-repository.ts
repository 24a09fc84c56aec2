import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { uuidv7 } from '../lib/uuid-v7.js';
import type { Message } from '../protocol.js';
import { LIMITS } from '../protocol-constants.js';
import { ATTACHMENT_JSON, readMessages, type InsertedRow, type RowsRunner } from './message-reads.js';

export type { InsertedRow };

export interface NewMessage {
  authorId: string;
  clientMsgId: string;
  body: string;
  /** A message of the same room that is not deleted (else the message is not stored). */
  replyToId?: string;
  /** Lower-case @usernames in the body (lib/mentions.ts); members among them are mentioned. */
  mentionNames?: string[];
  /** The body says @room (it counts only from an owner or moderator). */
  mentionRoom?: boolean;
  /**
   * Uploads of the author that no message holds yet (else the message is not stored); claimed by
   * the same statement. Distinct within a batch (the writer sees to it).
   */
  attachmentIds?: string[];
}


const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** Lone surrogates become U+FFFD (JSON parameters and jsonb refuse them). */
export const wellFormed = (s: string): string => s.replace(LONE_SURROGATE, '\uFFFD');

// The parts of insertMany that only a batch holding a reply or a mention needs.
const RICH_INPUT = sql`, x.p AS reply_to, x.n AS names, coalesce(x.ar, false) AS at_room`;
// LATERAL: one primary-key probe per reply (a plain LEFT JOIN may be planned as a scan of messages).
const RICH_OK = sql`SELECT i.*, rm.role AS author_role, rt.body AS reply_body FROM input i
          JOIN room_members rm ON rm.room_id = i.room_id AND rm.user_id = i.author_id
          LEFT JOIN LATERAL (
            SELECT x.body FROM messages x WHERE i.reply_to IS NOT NULL AND x.id = i.reply_to AND x.room_id = i.room_id AND x.deleted_at IS NULL
          ) rt ON true`;
const RICH_VALUES = sql`, nb.reply_to, coalesce(left(nb.reply_body, ${LIMITS.REPLY_EXCERPT_CHARS}::int), ''),
            CASE WHEN nb.names IS NULL THEN '{}'::uuid[] ELSE ARRAY(
              SELECT u.id FROM users u JOIN room_members mm ON mm.user_id = u.id AND mm.room_id = nb.room_id
              WHERE lower(u.username) = ANY(nb.names) ORDER BY array_position(nb.names, lower(u.username))
            ) END,
            nb.at_room AND nb.author_role IN ('owner', 'moderator')`;
// What only a rich batch returns: the stored mentions and the quote of a reply.
const RICH_RETURNING = sql`, mentions, mentions_room, reply_to_id, reply_excerpt`;
const RICH_COLUMNS = sql`, to_json(ins.mentions) AS mentions, ins.mentions_room, ins.reply_to_id, ins.reply_excerpt, rp.seq AS reply_seq,
          rp.id AS reply_author_id, rp.username AS reply_author_username, rp.display_name AS reply_author_display_name,
          rp.avatar_url AS reply_author_avatar_url, rp.created_at AS reply_author_created_at, rp.is_guest AS reply_author_is_guest`;
const RICH_REPLY_JOIN = sql` LEFT JOIN LATERAL (
          SELECT o.seq, oa.id, oa.username, oa.display_name, oa.avatar_url, oa.created_at, oa.is_guest
          FROM messages o JOIN users oa ON oa.id = o.author_id
          WHERE ins.reply_to_id IS NOT NULL AND o.id = ins.reply_to_id
        ) rp ON true`;

// The parts of insertMany that only a batch holding attachments needs (see its header).
const FILES_OK = sql` AND (i.att IS NULL OR (
            SELECT count(*) FROM uploads u
            WHERE u.id = ANY(i.att) AND u.owner_id = i.author_id AND u.purpose = 'attachment' AND u.claimed_at IS NULL
          ) = cardinality(i.att))`;
const FILES_CLAIM = sql`files AS (
          SELECT ins.id AS message_id, f.upload_id, f.position::int AS position
          FROM ins JOIN input i ON i.author_id = ins.author_id AND i.client_msg_id = ins.client_msg_id
          CROSS JOIN LATERAL unnest(i.att) WITH ORDINALITY AS f(upload_id, position)
        ),
        attached AS (
          INSERT INTO message_attachments (upload_id, message_id, position) SELECT upload_id, message_id, position FROM files
        ),
        claimed AS (
          UPDATE uploads u SET claimed_at = now() FROM files WHERE u.id = files.upload_id
        ),`;
const FILES_COLUMN = sql`,
          (SELECT json_agg(${ATTACHMENT_JSON} ORDER BY f.position) FROM files f JOIN uploads u ON u.id = f.upload_id
            WHERE f.message_id = ins.id) AS attachments`;

/** With a reader: only rows of a room the reader is a member of. */
const readable = (roomId: string, readerId: string | undefined) =>
  readerId
    ? sql` AND EXISTS (SELECT 1 FROM room_members rm WHERE rm.room_id = ${roomId}::uuid AND rm.user_id = ${readerId}::uuid)`
    : sql``;

/**
 * `prepared` runs the statements sent over and over, the batch insert and the history pages
 * (Database.prepared: prepared statements on Postgres); without it, they are plain queries on `db`.
 */
export function createMessagesRepository(db: Executor, prepared?: RowsRunner) {
  const repeated: RowsRunner = prepared ?? (async <T>(query: SQL) => ((await db.execute(query)) as unknown as { rows: T[] }).rows);
  return {
    /**
     * Stores a batch of messages for any number of rooms in ONE statement (one round trip, one
     * commit, atomic): only authors who are members, skipping (author, clientMsgId) pairs already
     * stored. Each room's last_seq moves by the number inserted for it in one `UPDATE ... FROM`,
     * and its rows get the next seqs in input order; each author's read cursor moves past their
     * own message. The room rows are locked first, in id order, so two such statements over
     * overlapping rooms (other processes) queue instead of deadlocking; the room row locks held
     * until commit make commit order equal seq order within a room.
     * A reply is stored only if its original is a message of the same room that is not deleted;
     * mentions are resolved to members here (`@room` only from an owner or moderator).
     * Attachments: stored only if every id is an unclaimed attachment upload of the author; they
     * are claimed (uploads.claimed_at, message_attachments) by this same statement, so a message
     * and its files commit together. Two statements claiming one upload: the second meets the
     * message_attachments primary key (a unique violation, retried, and then refused here).
     * Items missing from the result were duplicates, not allowed or bad replies; the caller sorts those out.
     * A concurrent insert of the same (author, clientMsgId) raises a unique violation: retry.
     * Rows come back ordered by room, then seq.
     */
    async insertMany(items: (NewMessage & { roomId: string })[]): Promise<InsertedRow[]> {
      if (!items.length) return [];
      // One JSON parameter for the whole batch: the statement (and its plan) has the same shape
      // whatever the batch size, where a VALUES list of 5 parameters per row took longer to plan
      // than to run.
      // Lone surrogates become U+FFFD, as they would in a UTF-8 parameter (JSON would carry them
      // as \uD800 escapes, which Postgres refuses, failing the whole batch).
      // Ids are UUIDv7 made here (one per item; those not inserted are simply never used).
      const now = Date.now();
      // Plain messages (no reply, no @) take the statement without the reply and mention parts:
      // it plans in about half the time, and it is what nearly every batch is.
      const rich = items.some((m) => m.replyToId !== undefined || m.mentionNames?.length || m.mentionRoom);
      const withFiles = items.some((m) => m.attachmentIds?.length);
      const input = JSON.stringify(
        items.map((m, i) => ({
          i: uuidv7(now),
          r: m.roomId,
          a: m.authorId,
          c: wellFormed(m.clientMsgId),
          b: wellFormed(m.body),
          o: i,
          ...(m.replyToId !== undefined ? { p: m.replyToId } : {}),
          ...(m.mentionNames?.length ? { n: m.mentionNames } : {}),
          ...(m.mentionRoom ? { ar: true } : {}),
          ...(m.attachmentIds?.length ? { at: m.attachmentIds } : {}),
        })),
      );
      return repeated<InsertedRow>(sql`
        WITH input AS (
          SELECT x.i AS id, x.r AS room_id, x.a AS author_id, x.c AS client_msg_id, x.b AS body, x.o AS ord${rich ? RICH_INPUT : sql``}${withFiles ? sql`, x.at AS att` : sql``}
          FROM json_to_recordset(${input}::json) AS x(i uuid, r uuid, a uuid, c text, b text, o int${rich ? sql`, p uuid, n text[], ar boolean` : sql``}${withFiles ? sql`, at uuid[]` : sql``})
        ),
        ok AS (
          ${rich ? RICH_OK : sql`SELECT i.* FROM input i JOIN room_members rm ON rm.room_id = i.room_id AND rm.user_id = i.author_id`}
          WHERE NOT EXISTS (
            SELECT 1 FROM messages x WHERE x.author_id = i.author_id AND x.client_msg_id = i.client_msg_id
          )${rich ? sql` AND (i.reply_to IS NULL OR rt.body IS NOT NULL)` : sql``}${withFiles ? FILES_OK : sql``}
        ),
        counts AS (SELECT room_id, count(*) AS n FROM ok GROUP BY room_id),
        locked AS (
          SELECT r.id FROM rooms r WHERE r.id IN (SELECT room_id FROM counts) ORDER BY r.id FOR UPDATE
        ),
        numbered AS (
          SELECT ok.*, row_number() OVER (PARTITION BY ok.room_id ORDER BY ok.ord) AS rn FROM ok
        ),
        bumped AS (
          UPDATE rooms r SET last_seq = r.last_seq + c.n, last_activity_at = now()
          FROM counts c JOIN locked l ON l.id = c.room_id
          WHERE r.id = c.room_id
          RETURNING r.id, r.last_seq, c.n
        ),
        ins AS (
          INSERT INTO messages (id, room_id, seq, author_id, client_msg_id, body${rich ? sql`, reply_to_id, reply_excerpt, mentions, mentions_room` : sql``})
          SELECT nb.id, nb.room_id, b.last_seq - b.n + nb.rn, nb.author_id, nb.client_msg_id, nb.body${rich ? RICH_VALUES : sql``}
          FROM numbered nb JOIN bumped b ON b.id = nb.room_id
          ORDER BY nb.room_id, nb.rn
          RETURNING id, room_id, seq, author_id, client_msg_id, created_at${rich ? RICH_RETURNING : sql``}
        ),
        ${withFiles ? FILES_CLAIM : sql``}
        -- What you wrote yourself is read.
        own_read AS (
          UPDATE room_members rm SET last_read_seq = GREATEST(rm.last_read_seq, mine.seq)
          FROM (SELECT room_id, author_id, max(seq) AS seq FROM ins GROUP BY room_id, author_id) mine
          WHERE rm.room_id = mine.room_id AND rm.user_id = mine.author_id
        )
        SELECT ins.id, ins.room_id, ins.seq, ins.author_id, ins.client_msg_id, ins.created_at${rich ? RICH_COLUMNS : sql``}${withFiles ? FILES_COLUMN : sql``}
        FROM ins${rich ? RICH_REPLY_JOIN : sql``}
        ORDER BY ins.room_id, ins.seq`);
    },

    /** How many of `ids` are attachment uploads of `authorId` that no message holds yet. */
    async claimableCount(authorId: string, ids: string[]): Promise<number> {
      const result = await db.execute(sql`
        SELECT count(*)::int AS n FROM uploads u
        WHERE u.id = ANY(${`{${ids.join(',')}}`}::uuid[]) AND u.owner_id = ${authorId}::uuid AND u.purpose = 'attachment' AND u.claimed_at IS NULL`);
      return Number((result as unknown as { rows: { n: number }[] }).rows[0]?.n ?? 0);
    },

    /** Messages already stored under these (author, clientMsgId) pairs. */
    async findByClientIds(pairs: { authorId: string; clientMsgId: string }[]): Promise<Message[]> {
      if (!pairs.length) return [];
      const keys = JSON.stringify(pairs.map((p) => ({ a: p.authorId, c: wellFormed(p.clientMsgId) })));
      return readMessages(
        db,
        sql`WHERE (m.author_id, m.client_msg_id) IN (SELECT x.a, x.c FROM json_to_recordset(${keys}::json) AS x(a uuid, c text))`,
      );
    },

    /** One message of the room as it is now (deleted ones included), or undefined. */
    async byId(roomId: string, messageId: string): Promise<Message | undefined> {
      const [message] = await readMessages(db, sql`WHERE m.id = ${messageId}::uuid AND m.room_id = ${roomId}::uuid`);
      return message;
    },

    /**
     * A page of history in ascending seq order; `before`/`after` are exclusive seq bounds, neither
     * gives the newest page. With `readerId`, only rows the reader may see (a member of the room):
     * one query instead of a membership check plus the page; an empty answer then needs the caller
     * to tell why.
     */
    async page(input: { roomId: string; before?: number; after?: number; limit: number; readerId?: string }): Promise<{ messages: Message[]; hasMore: boolean }> {
      const ascending = input.after !== undefined;
      const bound =
        input.after !== undefined
          ? sql` AND m.seq > ${input.after}::bigint`
          : input.before !== undefined
            ? sql` AND m.seq < ${input.before}::bigint`
            : sql``;
      const rows = await readMessages(
        repeated,
        sql`WHERE m.room_id = ${input.roomId}::uuid${bound}${readable(input.roomId, input.readerId)}
            ORDER BY m.seq ${sql.raw(ascending ? 'ASC' : 'DESC')} LIMIT ${input.limit + 1}::int`,
      );
      const pageRows = rows.slice(0, input.limit);
      return { messages: ascending ? pageRows : pageRows.reverse(), hasMore: rows.length > input.limit };
    },

    /**
     * The page centred on `seq`: the message at `seq` (if it is one) and up to half the page on
     * each side, the rest taken from the other side when one runs short. Ascending seq.
     */
    async around(input: { roomId: string; seq: number; limit: number; readerId?: string }): Promise<{ messages: Message[]; hasOlder: boolean; hasNewer: boolean }> {
      const access = readable(input.roomId, input.readerId);
      const [older, newer] = await Promise.all([
        readMessages(repeated, sql`WHERE m.room_id = ${input.roomId}::uuid AND m.seq < ${input.seq}::bigint${access} ORDER BY m.seq DESC LIMIT ${input.limit + 1}::int`),
        readMessages(repeated, sql`WHERE m.room_id = ${input.roomId}::uuid AND m.seq >= ${input.seq}::bigint${access} ORDER BY m.seq ASC LIMIT ${input.limit + 1}::int`),
      ]);
      const half = Math.floor(input.limit / 2);
      const takeNewer = Math.min(newer.length, Math.max(input.limit - half, input.limit - older.length));
      const takeOlder = Math.min(older.length, input.limit - takeNewer);
      return {
        messages: [...older.slice(0, takeOlder).reverse(), ...newer.slice(0, takeNewer)],
        hasOlder: older.length > takeOlder,
        hasNewer: newer.length > takeNewer,
      };
    },
  };
}

export type MessagesRepository = ReturnType<typeof createMessagesRepository>;
