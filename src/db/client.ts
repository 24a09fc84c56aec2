/**
 * The database handle: node-postgres Pool when DATABASE_URL is set, embedded PGlite otherwise.
 * Both are wrapped by Drizzle with the same schema, so repositories never know which one runs.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdirSync } from 'node:fs';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { sql, type SQL } from 'drizzle-orm';
import * as schema from './schema.js';
import { lockDataDir, type DataDirLock } from './data-dir-lock.js';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction handle; repositories accept either. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type Executor = Db | Tx;

export interface Database {
  db: Db;
  kind: 'postgres' | 'embedded';
  /** Runs raw SQL and returns its rows, the same shape on both drivers. */
  rows<T>(query: SQL, executor?: Executor): Promise<T[]>;
  /**
   * Like `rows` (outside any transaction), for a statement sent over and over: a prepared
   * statement on Postgres (db/prepared.ts), a plain query on the embedded database.
   */
  prepared<T>(query: SQL): Promise<T[]>;
  /** Cheap liveness probe for /readyz. */
  ping(): Promise<void>;
  /** Applies drizzle/ migrations (Postgres: on a connection of its own, without statement timeouts). */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../drizzle');
export interface OpenOptions {
  databaseUrl: string | null;
  /** Folder of the embedded database; `null` keeps it in memory (tests). */
  dataDir: string | null;
  poolSize?: number;
  /** Bound of a Postgres connect, statement and answer (DB_TIMEOUT_MS); see postgres-pool.ts. */
  timeoutMs?: number;
  migrate?: boolean;
}

export const DEFAULT_DB_TIMEOUT_MS = 5000;

async function rowsOf<T>(executor: Executor, query: SQL): Promise<T[]> {
  const result = (await executor.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

export async function openDatabase(options: OpenOptions): Promise<Database> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_DB_TIMEOUT_MS;
  const database = options.databaseUrl
    ? await openPostgres(options.databaseUrl, options.poolSize ?? 10, timeoutMs)
    : await openEmbedded(options.dataDir);
  if (options.migrate !== false) {
    try {
      await database.migrate();
    } catch (err) {
      await database.close().catch(() => undefined);
      throw err;
    }
  }
  return database;
}

/** Applies drizzle/ migrations to an open database. */
export function migrateDatabase(database: Database): Promise<void> {
  return database.migrate();
}

async function openPostgres(url: string, poolSize: number, timeoutMs: number): Promise<Database> {
  const { createPool } = await import('./postgres-pool.js');
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const { preparedRunner } = await import('./prepared.js');
  const pool = createPool({ url, size: poolSize, timeoutMs });
  const db = drizzle(pool, { schema }) as unknown as Db;
  return {
    db,
    kind: 'postgres',
    rows: (query, executor = db) => rowsOf(executor, query),
    prepared: preparedRunner(pool),
    ping: async () => {
      await pool.query('SELECT 1');
    },
    migrate: () => migratePostgres(url, timeoutMs),
    close: () => pool.end(),
  };
}

async function openEmbedded(dataDir: string | null): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  const { unaccent } = await import('@electric-sql/pglite/contrib/unaccent');
  const { drizzle } = await import('drizzle-orm/pglite');
  let dir: string | undefined;
  let lock: DataDirLock | null = null;
  if (dataDir) {
    // Before PGlite touches the files: a second process on one DATA_DIR corrupts it.
    lock = lockDataDir(dataDir);
    dir = path.join(dataDir, 'pgdata');
    mkdirSync(dir, { recursive: true });
  }
  let client: InstanceType<typeof PGlite>;
  try {
    client = await PGlite.create(dir, { extensions: { pg_trgm, unaccent } });
  } catch (err) {
    lock?.release();
    throw err;
  }
  const db = drizzle(client, { schema }) as unknown as Db;
  let closed = false;
  return {
    db,
    kind: 'embedded',
    rows: (query, executor = db) => rowsOf(executor, query),
    prepared: (query) => rowsOf(db, query),
    ping: async () => {
      await client.query('SELECT 1');
    },
    migrate: async () => {
      const { migrate } = await import('drizzle-orm/pglite/migrator');
      await migrate(db as never, { migrationsFolder: MIGRATIONS_DIR });
    },
    close: async () => {
      if (closed) return;
      closed = true;
      try {
        await client.close();
      } finally {
        lock?.release();
      }
    },
  };
}

/**
 * Applies drizzle/ migrations on its own connection (no statement timeout: DDL may be slow). An
 * advisory lock makes concurrent start-ups of several instances take turns instead of racing on
 * the same DDL.
 */
async function migratePostgres(url: string, timeoutMs: number): Promise<void> {
  const { connectUnbounded } = await import('./postgres-pool.js');
  const { migrate } = await import('drizzle-orm/node-postgres/migrator');
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const client = await connectUnbounded(url, timeoutMs);
  try {
    await client.query('SELECT pg_advisory_lock(7312001)');
    try {
      await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_DIR });
    } finally {
      await client.query('SELECT pg_advisory_unlock(7312001)');
    }
  } finally {
    await client.end();
  }
}

export { sql };
