/**
 * For upgrade tests: a migrations folder holding only the migrations up to a given one, and
 * applying such a folder to a test database (embedded or Postgres), so a test can build a database
 * as an older version left it, insert rows the old way, then migrate to head.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hash } from '@node-rs/argon2';
import { afterAll, beforeAll, expect } from 'vitest';
import { MIGRATIONS_DIR, migrateDatabase, openDatabase, type Database } from '../src/db/client.js';
import { createPostgresDatabase, startServer, usePostgres, type Account, type TestServer } from './helpers.js';

/** The last migration of version 1 (before room-name keys, UUID message ids and the room log). */
export const LAST_V1_MIGRATION = '0001_room_search';

/** A migrations folder holding the migrations up to and including the one whose tag is `tag`. */
export function migrationsUpTo(tag: string): string {
  const journal = JSON.parse(readFileSync(path.join(MIGRATIONS_DIR, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string }[] };
  const upTo = journal.entries.findIndex((e) => e.tag === tag);
  if (upTo < 0) throw new Error(`no migration ${tag}`);
  const entries = journal.entries.slice(0, upTo + 1);
  const dir = mkdtempSync(path.join(tmpdir(), 'rtchat-migrations-'));
  mkdirSync(path.join(dir, 'meta'));
  writeFileSync(path.join(dir, 'meta', '_journal.json'), JSON.stringify({ ...journal, entries }));
  for (const e of entries) cpSync(path.join(MIGRATIONS_DIR, `${e.tag}.sql`), path.join(dir, `${e.tag}.sql`));
  return dir;
}

/** Applies the migrations in `folder` with the driver's own migrator. */
export async function migrateTo(database: Database, folder: string): Promise<void> {
  if (database.kind === 'embedded') {
    const { migrate } = await import('drizzle-orm/pglite/migrator');
    await migrate(database.db as never, { migrationsFolder: folder });
  } else {
    const { migrate } = await import('drizzle-orm/node-postgres/migrator');
    await migrate(database.db as never, { migrationsFolder: folder });
  }
}

/** A database as an older version left it: embedded, or a fresh one on TEST_DATABASE_URL's server. */
export interface OldDatabase {
  database: Database;
  /** Closes it (and drops it on Postgres); close the server first. */
  close(): Promise<void>;
}

/** Opens an empty test database and applies the migrations up to and including `tag` only. */
export async function openDatabaseAt(tag: string): Promise<OldDatabase> {
  const pg = usePostgres ? await createPostgresDatabase() : null;
  const database = await openDatabase({ databaseUrl: pg?.url ?? null, dataDir: null, migrate: false });
  await migrateTo(database, migrationsUpTo(tag));
  return {
    database,
    close: async () => {
      await database.close();
      await pg?.drop();
    },
  };
}

/** Migrates the old database to head, as a new version does at start-up, and starts the app on it. */
export async function upgradeAndStart(old: OldDatabase, env: Record<string, string> = {}): Promise<TestServer> {
  await migrateDatabase(old.database);
  return startServer(env, { database: old.database, url: null, drop: async () => undefined });
}

/** The ids upgrade tests give the old version's two users and their room, and the users' password. */
export const OLD_IDS = {
  alice: '00000000-0000-4000-8000-00000000a11c',
  bob: '00000000-0000-4000-8000-000000000b0b',
  room: '00000000-0000-4000-8000-0000000000e1',
} as const;
export const OLD_PASSWORD = 'correct horse battery';

/** The app started on an upgraded database (once the suite's beforeAll ran), and logging in to it. */
export interface UpgradedApp {
  readonly server: TestServer;
  /** Logs in with OLD_PASSWORD (asserting 200) and returns the account with its headers. */
  login(username: string): Promise<Account>;
}

/**
 * Registers beforeAll (a database at migration `tag`, `seed` writing rows the old way, given
 * OLD_PASSWORD's hash; then the upgrade to head and the app started with `env`) and afterAll
 * (closes the server, then the database).
 */
export function upgradedApp(tag: string, seed: (database: Database, passwordHash: string) => Promise<void>, env: Record<string, string> = {}): UpgradedApp {
  let old: OldDatabase | undefined;
  let server: TestServer | undefined;
  beforeAll(async () => {
    old = await openDatabaseAt(tag);
    await seed(old.database, await hash(OLD_PASSWORD));
    server = await upgradeAndStart(old, env);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await old?.close();
  });
  const app: UpgradedApp = {
    get server() {
      if (!server) throw new Error('the upgraded app is not started yet (use it inside a test)');
      return server;
    },
    async login(username) {
      const res = await app.server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { login: username, password: OLD_PASSWORD } });
      expect(res.statusCode).toBe(200);
      const body = res.json<Account>();
      return { ...body, headers: { authorization: `Bearer ${body.token}` } };
    },
  };
  return app;
}
