/**
 * The node-postgres pool, bounded in time so that a database outage answers 503 within
 * about `timeoutMs` instead of hanging, and heals by itself when the database returns:
 * - connectionTimeoutMillis: a new connection (or a wait for a free one) gives up;
 * - statement_timeout (server side): a statement running too long is cancelled (57014);
 * - the answer bound (client side, GuardedClient): no answer at all, as when the network
 *   black-holes packets. The client's connection is destroyed with a "Query read timeout" error,
 *   which fails the query in flight, and the pool opens a fresh connection next time.
 * A client losing its connection while checked out (inside a transaction) must not crash the
 * process: its error already reaches the query in flight, so the client-level event is ignored.
 *
 * Invariant: once a query is answered, nothing the client or its timer keeps refers to what the
 * query returned. node-postgres's own `query_timeout` (a timer closing over the query), its
 * promise (resolved from a callback closing over the query) and a callback wrapper still holding
 * the caller's callback each kept every result reachable until the next young-generation GC, so
 * every row of every query was promoted to the old generation (README Performance); hence the
 * bound is a timer here that holds only the client, and every query runs with a callback that
 * lets go of what it called once called.
 */
import pg from 'pg';

type Callback = (err: Error | null, result?: unknown) => void;

/** A GuardedClient's extra option: how long a query may go without an answer (none: unbounded). */
interface GuardedConfig extends pg.ClientConfig {
  answerTimeoutMs?: number;
}

/** The answer bound ran out: the connection is the only way out of a query never answered. */
function noAnswer(client: GuardedClient): void {
  (client as unknown as { connection: { stream: { destroy(err: Error): void } } }).connection.stream.destroy(new Error('Query read timeout'));
}

class GuardedClient extends pg.Client {
  private readonly answerTimeoutMs: number;

  constructor(config?: string | GuardedConfig) {
    super(config);
    this.answerTimeoutMs = typeof config === 'object' ? (config.answerTimeoutMs ?? 0) : 0;
    this.on('error', () => undefined);
  }

  // Every form of query() (promise, callback, config object) passes through here; a query asked
  // for as a promise runs with a callback too (see the header).
  override query(...args: unknown[]): never {
    const first = args[0] as { submit?: unknown } | null | undefined;
    if (first && typeof first.submit === 'function') {
      // A Query-like object (pg-cursor and such) brings its own callbacks: left as it is.
      return (super.query as (...a: unknown[]) => unknown)(...args) as never;
    }
    const timer = this.answerTimeoutMs > 0 ? setTimeout(noAnswer, this.answerTimeoutMs, this) : undefined;
    let promise: Promise<unknown> | undefined;
    let callback: Callback | undefined;
    if (typeof args.at(-1) === 'function') callback = args.pop() as Callback;
    else promise = new Promise((resolve, reject) => (callback = (err, result) => (err ? reject(err) : resolve(result))));
    args.push((err: Error | null, result?: unknown) => {
      const answer = callback!;
      callback = undefined;
      clearTimeout(timer);
      answer(err, result);
    });
    try {
      (super.query as (...a: unknown[]) => unknown)(...args);
    } catch (err) {
      clearTimeout(timer); // refused at once (no query given): nothing was sent
      throw err;
    }
    return promise as never;
  }
}

export interface PoolOptions {
  url: string;
  size: number;
  timeoutMs: number;
}

export function createPool({ url, size, timeoutMs }: PoolOptions): pg.Pool {
  const config: pg.PoolConfig & GuardedConfig = {
    connectionString: url,
    max: size,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: timeoutMs,
    answerTimeoutMs: timeoutMs + 1000, // after statement_timeout, so a slow statement says 57014 first
    keepAlive: true,
    Client: GuardedClient,
  };
  const pool = new pg.Pool(config);
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * A single connection without statement or answer timeouts, for migrations (DDL on a big table
 * may run for minutes); only connecting is bounded.
 */
export async function connectUnbounded(url: string, timeoutMs: number): Promise<pg.Client> {
  const client = new GuardedClient({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  await client.connect();
  return client;
}
