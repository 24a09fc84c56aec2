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
 * - Query plan (searchIds): the newest RECENT_WINDOW messages in scope first, then the GIN index
 *   (messages_search_idx) for older matches, so a common word never reads all its matches and a
 *   rare one never walks the whole room. Substring pieces (CJK, emoji) filter rows; a query of
 *   pieces only has no index to use: past the window it scans the scope's older messages.
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
  /** RECENT_WINDOW unless a test wants the index step with few messages. */
  window?: number;
}

/** The WHERE conditions on `m` for the query's terms. */
function matches(query: ParsedQuery): SQL {
  const parts: SQL[] = [sql`m.deleted_at IS NULL`];
  if (query.fullText) parts.push(sql`m.search_vector @@ websearch_to_tsquery(${SEARCH_CONFIG}::regconfig, ${query.fullText})`);
  for (const piece of query.mustContain) parts.push(sql`strpos(lower(m.body), ${piece}) > 0`);
  for (const piece of query.mustNotContain) parts.push(sql`strpos(lower(m.body), ${piece}) = 0`);
  return sql.join(parts, sql` AND `);
}

/**
 * How many of the newest messages in scope are read row by row before the index takes over: a
 * word in more than ~limit/WINDOW of the messages (a common one) fills its page from them.
 */
export const RECENT_WINDOW = 1000;

/**
 * The ids of one page (limit + 1 rows, to know whether there are more), in two steps so that no
 * plan depends on the planner guessing a word's frequency (with LIMIT and ORDER BY it happily
 * walks a whole room backwards for a rare word it believes common):
 * 1. `recent`: the RECENT_WINDOW newest messages in scope (an index walk, bounded), filtered;
 * 2. `older`: only if that did not fill the page and the window did not reach the start: the
 *    scope's matches through the GIN index (no ORDER BY/LIMIT and no key range inside, so the
 *    planner has no reason to walk or to AND in a btree range), then those older than the
 *    window, sorted. It reads every match in scope: fewer than about limit/WINDOW of the scope's
 *    messages, since a more frequent word would have filled the page in step 1.
 */
export function searchIds(input: SearchInput): SQL {
  const where = matches(input.query);
  const n = input.limit + 1;
  const window = input.window ?? RECENT_WINDOW;
  const one = input.roomId !== undefined;
  const key = one ? sql.raw('seq') : sql.raw('id');
  const scope = one
    ? sql`m.room_id = ${input.roomId}::uuid
        AND EXISTS (SELECT 1 FROM room_members rm WHERE rm.room_id = m.room_id AND rm.user_id = ${input.readerId}::uuid)`
    : sql`m.room_id IN (SELECT rm.room_id FROM room_members rm WHERE rm.user_id = ${input.readerId}::uuid)`;
  const after = input.after;
  const bound = after && 'seq' in after ? sql` AND m.seq < ${after.seq}` : after && 'id' in after ? sql` AND m.id < ${after.id}::uuid` : sql``;
  return sql`WITH recent AS MATERIALIZED (
      SELECT m.id, m.seq, m.body, m.deleted_at, m.search_vector FROM messages m
      WHERE ${scope}${bound} ORDER BY m.${key} DESC LIMIT ${window}
    ),
    hits AS (SELECT m.id, m.seq FROM recent m WHERE ${where} ORDER BY m.${key} DESC LIMIT ${n}),
    edge AS (SELECT (SELECT m.${key} FROM recent m ORDER BY m.${key} LIMIT 1) AS k, (SELECT count(*) FROM recent) AS c),
    older AS MATERIALIZED (
      SELECT m.id, m.seq FROM messages m
      WHERE (SELECT count(*) FROM hits) < ${n} AND (SELECT c FROM edge) = ${window} AND ${scope} AND ${where}
    )
    SELECT u.id FROM (SELECT id, seq FROM hits UNION ALL (
      SELECT id, seq FROM older m WHERE m.${key} < (SELECT k FROM edge) ORDER BY m.${key} DESC LIMIT ${n})) u
    ORDER BY u.${key} DESC LIMIT ${n}`;
}

export function createSearchRepository(db: Executor) {
  return {
    /** One page (newest first) and whether there are older matches. */
    async search(input: SearchInput): Promise<{ messages: Message[]; hasMore: boolean }> {
      if (input.query.empty) return { messages: [], hasMore: false };
      const order = input.roomId !== undefined ? sql`ORDER BY m.seq DESC` : sql`ORDER BY m.id DESC`;
      const rows = await readMessages(db, sql`WHERE m.id IN (${searchIds(input)}) ${order}`);
      return { messages: rows.slice(0, input.limit), hasMore: rows.length > input.limit };
    },
  };
}

export type SearchRepository = ReturnType<typeof createSearchRepository>;
