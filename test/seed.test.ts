import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, expect, it } from 'vitest';
import { openDatabase } from '../src/db/client.js';
import { createPostgresDatabase, usePostgres } from './helpers.js';

const ROOT = path.resolve(import.meta.dirname, '..');
let drop: (() => Promise<void>) | undefined;
afterAll(async () => drop?.());

it('seeds demo users, a public General and a private Tech Talk, and is safe to run twice', async () => {
  const env: Record<string, string> = { DATA_DIR: mkdtempSync(path.join(tmpdir(), 'rtchat-seed-')), SESSION_SECRET: 'seed-secret-seed-secret-seed-secret-0123' };
  if (usePostgres) {
    const db = await createPostgresDatabase();
    env.DATABASE_URL = db.url;
    drop = db.drop;
  }
  for (let i = 0; i < 2; i++) {
    execFileSync(process.execPath, ['--import', 'tsx', 'src/seed.ts'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: 'pipe' });
  }
  const database = await openDatabase({ databaseUrl: env.DATABASE_URL ?? null, dataDir: env.DATA_DIR! });
  try {
    const rooms = await database.rows<{ name: string; is_private: boolean; member_count: number; last_seq: number; n: number }>(sql`
      SELECT r.name, r.is_private, r.member_count, r.last_seq::int AS last_seq, (SELECT count(*)::int FROM messages m WHERE m.room_id = r.id) AS n
      FROM rooms r ORDER BY r.name`);
    expect(rooms).toEqual([
      { name: 'General', is_private: false, member_count: 3, last_seq: 3, n: 3 },
      { name: 'Tech Talk', is_private: true, member_count: 2, last_seq: 2, n: 2 },
    ]);
    const users = await database.rows<{ n: number }>(sql`SELECT count(*)::int AS n FROM users`);
    expect(users[0]!.n).toBe(3);
  } finally {
    await database.close();
  }
}, 60_000);
