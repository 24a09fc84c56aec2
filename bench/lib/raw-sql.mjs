/**
 * The SQL of the limit rows, taken from RtChat's own repositories (the built dist/) at start-up,
 * so the raw writer and the raw history loop run EXACTLY the statements RtChat runs, whatever
 * those become: each repository method is called once on an executor that only records the
 * statement Drizzle builds (`{text, params}`, as node-postgres and PGlite receive it). The raw rows
 * then execute that text through node-postgres (or PGlite) alone: no Drizzle, Fastify or WebSocket.
 * test/bench-raw-sql.test.ts checks that what is recorded is what the repository runs on a real
 * database, and that the raw statements store and read messages as RtChat's would.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './setup.mjs';

/** A module of RtChat's production build (dist/). */
export const dist = (p) => import(pathToFileURL(path.join(ROOT, 'dist', p)).href);

/** An Executor that records the statements given to `execute` and answers with no rows. */
async function recorder() {
  const { PgDialect } = await import('drizzle-orm/pg-core');
  const dialect = new PgDialect();
  const seen = [];
  const execute = async (query) => {
    const { sql, params } = dialect.sqlToQuery(query);
    seen.push({ text: sql, params });
    return { rows: [] };
  };
  return { seen, executor: { execute } };
}

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';

/**
 * The writer's statement for a batch of plain messages (no reply, mention or file: what every
 * benchmark message is): one parameter, the batch as JSON (see messages-repository insertMany).
 */
export async function writerStatement() {
  const { createMessagesRepository } = await dist('repositories/messages-repository.js');
  const { seen, executor } = await recorder();
  await createMessagesRepository(executor).insertMany([{ roomId: A, authorId: B, clientMsgId: 'x', body: 'plain body' }]);
  if (seen.length !== 1 || seen[0].params.length !== 1) {
    throw new Error(`insertMany no longer runs one statement with one parameter (${seen.length} statements): update bench/lib/raw-sql.mjs`);
  }
  return { text: seen[0].text, recordedParam: seen[0].params[0] };
}

/**
 * Makes the JSON parameter insertMany builds for a batch of plain messages: the same keys, UUIDv7
 * ids made here too (the test compares it with the one the repository recorded).
 */
export async function batchJsonMaker() {
  const { uuidv7 } = await dist('lib/uuid-v7.js');
  return (items) => {
    const now = Date.now();
    return JSON.stringify(items.map((m, i) => ({ i: uuidv7(now), r: m.roomId, a: m.authorId, c: m.clientMsgId, b: m.body, o: i })));
  };
}

/**
 * The history route's page query (`before`, `limit`, with the reader's membership check), with
 * a function that fills in its parameters for one page.
 */
export async function historyStatement() {
  const { createMessagesRepository } = await dist('repositories/messages-repository.js');
  const { seen, executor } = await recorder();
  const BEFORE = 987_654_321;
  const LIMIT = 50;
  await createMessagesRepository(executor).page({ roomId: A, before: BEFORE, limit: LIMIT, readerId: B });
  if (seen.length !== 1) throw new Error(`page() no longer runs one statement (${seen.length}): update bench/lib/raw-sql.mjs`);
  const { text, params } = seen[0];
  const role = params.map((p) => (p === A ? 'room' : p === B ? 'reader' : p === BEFORE ? 'before' : p === LIMIT + 1 ? 'limit' : JSON.stringify(p)));
  for (const r of ['room', 'reader', 'before', 'limit']) if (!role.includes(r)) throw new Error(`page() has no ${r} parameter any more: update bench/lib/raw-sql.mjs`);
  return {
    text,
    /** The parameters for the page of `limit` messages before `before`, as the repository sends them. */
    paramsFor: ({ roomId, readerId, before, limit }) =>
      role.map((r) => (r === 'room' ? roomId : r === 'reader' ? readerId : r === 'before' ? before : r === 'limit' ? limit + 1 : JSON.parse(r))),
  };
}
