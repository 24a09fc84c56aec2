import { and, asc, desc, eq, gt, lt, or, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { messages, users } from '../db/schema.js';
import { uuidv7 } from '../lib/uuid-v7.js';
import type { Message } from '../protocol.js';
import { toMessage, toUser } from './mappers.js';

export interface NewMessage {
  authorId: string;
  clientMsgId: string;
  body: string;
}

export interface InsertedRow {
  id: string;
  room_id: string;
  seq: number | string;
  author_id: string;
  client_msg_id: string;
  created_at: Date | string;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const wellFormed = (s: string): string => s.replace(LONE_SURROGATE, '\uFFFD');

export function createMessagesRepository(db: Executor) {
  const withAuthor = () =>
    db
      .select({ message: messages, author: users })
      .from(messages)
      .innerJoin(users, eq(users.id, messages.authorId));
  const map = (rows: { message: typeof messages.$inferSelect; author: typeof users.$inferSelect }[]): Message[] =>
    rows.map((r) => toMessage(r.message, toUser(r.author)));

  return {
    /**
     * Stores a batch of messages for any number of rooms in ONE statement (one round trip, one
     * commit, atomic): only authors who are members, skipping (author, clientMsgId) pairs already
     * stored. Each room's last_seq moves by the number inserted for it in one `UPDATE ... FROM`,
     * and its rows get the next seqs in input order; each author's read cursor moves past their
     * own message. The room rows are locked first, in id order, so two such statements over
     * overlapping rooms (other processes) queue instead of deadlocking; the room row locks held
     * until commit make commit order equal seq order within a room.
     * Items missing from the result were duplicates or not allowed; the caller sorts those out.
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
      const input = JSON.stringify(
        items.map((m, i) => ({ i: uuidv7(now), r: m.roomId, a: m.authorId, c: wellFormed(m.clientMsgId), b: wellFormed(m.body), o: i })),
      );
      const result = await db.execute(sql`
        WITH input AS (
          SELECT x.i AS id, x.r AS room_id, x.a AS author_id, x.c AS client_msg_id, x.b AS body, x.o AS ord
          FROM json_to_recordset(${input}::json) AS x(i uuid, r uuid, a uuid, c text, b text, o int)
        ),
        ok AS (
          SELECT i.* FROM input i
          JOIN room_members rm ON rm.room_id = i.room_id AND rm.user_id = i.author_id
          WHERE NOT EXISTS (
            SELECT 1 FROM messages x WHERE x.author_id = i.author_id AND x.client_msg_id = i.client_msg_id
          )
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
          INSERT INTO messages (id, room_id, seq, author_id, client_msg_id, body)
          SELECT nb.id, nb.room_id, b.last_seq - b.n + nb.rn, nb.author_id, nb.client_msg_id, nb.body
          FROM numbered nb JOIN bumped b ON b.id = nb.room_id
          ORDER BY nb.room_id, nb.rn
          RETURNING id, room_id, seq, author_id, client_msg_id, created_at
        ),
        -- What you wrote yourself is read.
        own_read AS (
          UPDATE room_members rm SET last_read_seq = GREATEST(rm.last_read_seq, mine.seq)
          FROM (SELECT room_id, author_id, max(seq) AS seq FROM ins GROUP BY room_id, author_id) mine
          WHERE rm.room_id = mine.room_id AND rm.user_id = mine.author_id
        )
        SELECT * FROM ins ORDER BY room_id, seq`);
      return (result as unknown as { rows: InsertedRow[] }).rows;
    },

    /** Messages already stored under these (author, clientMsgId) pairs. */
    async findByClientIds(pairs: { authorId: string; clientMsgId: string }[]): Promise<Message[]> {
      if (!pairs.length) return [];
      const rows = await withAuthor().where(
        or(...pairs.map((p) => and(eq(messages.authorId, p.authorId), eq(messages.clientMsgId, p.clientMsgId)))),
      );
      return map(rows);
    },

    /** A page of history in ascending seq order; `before`/`after` are exclusive seq bounds. */
    /**
     * A page of history in ascending seq order; `before`/`after` are exclusive seq bounds. With
     * `readerId`, only rows the reader may see (a member of the room): one query instead of a
     * membership check plus the page; an empty answer then needs the caller to tell why.
     */
    async page(input: { roomId: string; before?: number; after?: number; limit: number; readerId?: string }): Promise<{ messages: Message[]; hasMore: boolean }> {
      const take = input.limit + 1;
      const conds = [eq(messages.roomId, input.roomId)];
      if (input.after !== undefined) conds.push(gt(messages.seq, input.after));
      else if (input.before !== undefined) conds.push(lt(messages.seq, input.before));
      if (input.readerId) {
        conds.push(sql`EXISTS (SELECT 1 FROM room_members rm WHERE rm.room_id = ${input.roomId}::uuid AND rm.user_id = ${input.readerId}::uuid)`);
      }
      const ascending = input.after !== undefined;
      const rows = await withAuthor()
        .where(and(...conds))
        .orderBy(ascending ? asc(messages.seq) : desc(messages.seq))
        .limit(take);
      const pageRows = rows.slice(0, input.limit);
      return { messages: map(ascending ? pageRows : pageRows.reverse()), hasMore: rows.length > input.limit };
    },
  };
}

export type MessagesRepository = ReturnType<typeof createMessagesRepository>;
