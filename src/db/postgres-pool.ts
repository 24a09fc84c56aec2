/**
 * The node-postgres pool, bounded in time so that a database outage answers 503 within
 * about `timeoutMs` instead of hanging, and heals by itself when the database returns:
 * - connectionTimeoutMillis: a new connection (or a wait for a free one) gives up;
 * - statement_timeout (server side): a statement running too long is cancelled (57014);
 * - query_timeout (client side): no answer at all, as when the network black-holes packets.
 *   node-postgres leaves such a client stuck behind the unanswered query, so it is destroyed at
 *   once and the pool opens a fresh connection next time.
 * A client losing its connection while checked out (inside a transaction) must not crash the
 * process: its error already reaches the query in flight, so the client-level event is ignored.
 */
import pg from 'pg';

type Callback = (err: Error | null, result?: unknown) => void;

class GuardedClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.on('error', () => undefined);
  }

  // Every form of query() (promise, callback, config object) passes through here.
  override query(...args: unknown[]): never {
    const last = args.at(-1);
    if (typeof last === 'function') {
      args[args.length - 1] = (err: Error | null, result?: unknown) => {
        if (err) this.dropIfUnanswered(err);
        (last as Callback)(err, result);
      };
    }
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      (result as Promise<unknown>).then(undefined, (err: Error) => this.dropIfUnanswered(err));
    }
    return result as never;
  }

  private dropIfUnanswered(err: Error): void {
    if (err.message !== 'Query read timeout') return;
    // The socket is the only way out of the stuck query; the pool then drops this client.
    (this as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
  }
}

export interface PoolOptions {
  url: string;
  size: number;
  timeoutMs: number;
}

export function createPool({ url, size, timeoutMs }: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: size,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: timeoutMs,
    query_timeout: timeoutMs + 1000, // after statement_timeout, so a slow statement says 57014 first
    keepAlive: true,
    Client: GuardedClient,
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * A single connection without statement or query timeouts, for migrations (DDL on a big table
 * may run for minutes); only connecting is bounded.
 */
export async function connectUnbounded(url: string, timeoutMs: number): Promise<pg.Client> {
  const client = new GuardedClient({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  await client.connect();
  return client;
}
