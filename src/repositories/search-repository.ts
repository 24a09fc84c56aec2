/**
 * Message search: the messages of the reader's rooms (or of one of them) that match a parsed
 * query (lib/search-query.ts), newest first, keyset-paged, read through the one message read
 * (message-reads.ts) so a result is exactly the Message a history page shows.
 *
 * Invariants:
 * - Only rooms the reader is a member of NOW: the room_members row is joined in the same
 *   statement, so a room left (or a kick) stops matching at once; deleted messages never match
 *   (`deleted_at IS NULL`, and a tombstone's body and vector are empty anyway).
 * - Order and keyset: across rooms by message id (UUIDv7: time-ordered, unique, never changes),
 *   within one room by seq. Both keys are unique and immutable, so paging never skips or repeats
 *   a message, whatever is sent, edited or deleted between pages.
 * - Query plan: the GIN index (messages_search_idx) finds the matches of rare words; for common
 *   ones the planner walks the primary key (or messages_room_seq_key in one room) backwards and
 *   stops at the page size, instead of reading every match and sorting. Substring pieces (CJK,
 *   emoji) filter those rows; a query of pieces only walks backwards through the reader's
 *   messages, newest first, until the page is full.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { SEARCH_CONFIG } from '../db/schema.js';
import type { ParsedQuery } from '../lib/search-query.js';
import type { Message } from '../protocol.js';
import { readMessages } from './message-reads.js';

/** Where a page starts: strictly older than this message (all rooms) or this seq (one room). */
export type SearchAfter = { id: string } | { seq: number };

export interface SearchInput {
  readerId: string;
  query: ParsedQuery;
  /** Only this room (the caller has checked membership); otherwise every room of the reader. */
  roomId?: string;
  after?: SearchAfter;
  limit: number;
}

/** The WHERE conditions on `m` for the query's terms. */
function matches(query: ParsedQuery): SQL {
  const parts: SQL[] = [sql`m.deleted_at IS NULL`];
  if (query.fullText) parts.push(sql`m.search_vector @@ websearch_to_tsquery(${SEARCH_CONFIG}::regconfig, ${query.fullText})`);
  for (const piece of query.mustContain) parts.push(sql`strpos(lower(m.body), ${piece}) > 0`);
  for (const piece of query.mustNotContain) parts.push(sql`strpos(lower(m.body), ${piece}) = 0`);
  return sql.join(parts, sql` AND `);
}

export function createSearchRepository(db: Executor) {
  return {
    /** One page (newest first) and whether there are older matches. */
    async search(input: SearchInput): Promise<{ messages: Message[]; hasMore: boolean }> {
      if (input.query.empty) return { messages: [], hasMore: false };
      const where = matches(input.query);
      const after = input.after;
      let ids: SQL;
      let order: SQL;
      if (input.roomId !== undefined) {
        const bound = after && 'seq' in after ? sql` AND m.seq < ${after.seq}` : sql``;
        ids = sql`SELECT m.id FROM messages m
          WHERE m.room_id = ${input.roomId}::uuid${bound} AND ${where}
            AND EXISTS (SELECT 1 FROM room_members rm WHERE rm.room_id = m.room_id AND rm.user_id = ${input.readerId}::uuid)
          ORDER BY m.seq DESC LIMIT ${input.limit + 1}`;
        order = sql`ORDER BY m.seq DESC`;
      } else {
        const bound = after && 'id' in after ? sql` AND m.id < ${after.id}::uuid` : sql``;
        ids = sql`SELECT m.id FROM messages m
          WHERE m.room_id IN (SELECT rm.room_id FROM room_members rm WHERE rm.user_id = ${input.readerId}::uuid)${bound}
            AND ${where}
          ORDER BY m.id DESC LIMIT ${input.limit + 1}`;
        order = sql`ORDER BY m.id DESC`;
      }
      const rows = await readMessages(db, sql`WHERE m.id IN (${ids}) ${order}`);
      return { messages: rows.slice(0, input.limit), hasMore: rows.length > input.limit };
    },
  };
}

export type SearchRepository = ReturnType<typeof createSearchRepository>;
