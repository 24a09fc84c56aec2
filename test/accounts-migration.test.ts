/**
 * The accounts migration (display names, session user agents and last-seen times) on a database
 * holding data from before it: existing users keep working with no display name, existing
 * sessions stay valid and get their creation time as last seen.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hash } from '@node-rs/argon2';
import { sql } from 'drizzle-orm';
import type { Database } from '../src/db/client.js';
import type { User } from '../src/protocol.js';
import type { TestServer } from './helpers.js';
import { openDatabaseAt, upgradeAndStart, type OldDatabase } from './migration-helpers.js';

let database: Database;
let old: OldDatabase | undefined;
let server: TestServer;
let oldSessionId: string;
const USERNAME = 'oldtimer';

beforeAll(async () => {
  old = await openDatabaseAt('0005_files');
  database = old.database;
  // A user and a live session as the previous version wrote them.
  const passwordHash = await hash('correct horse battery', { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
  const [u] = await database.rows<{ id: string }>(sql`INSERT INTO users (username, password_hash) VALUES (${USERNAME}, ${passwordHash}) RETURNING id`);
  const [s] = await database.rows<{ id: string }>(sql`
    INSERT INTO sessions (user_id, created_at, expires_at) VALUES (${u!.id}::uuid, now() - interval '3 days', now() + interval '27 days') RETURNING id`);
  oldSessionId = s!.id;
  server = await upgradeAndStart(old);
});
afterAll(async () => {
  await server?.close();
  await old?.close();
});

describe('the accounts migration on existing data', () => {
  it('keeps old sessions valid, last seen when they began, with no user agent; users get no display name', async () => {
    expect(await server.app.repos.users.findSession(oldSessionId)).toBeDefined();
    const login = await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { login: USERNAME, password: 'correct horse battery' } });
    expect(login.statusCode, login.body).toBe(200);
    const headers = { authorization: `Bearer ${login.json<{ token: string }>().token}` };
    expect(login.json<{ user: User }>().user.displayName).toBeNull();
    const list = await server.app.inject({ url: '/api/auth/sessions', headers });
    const old = list.json<{ sessions: { id: string; createdAt: string; lastSeenAt: string; userAgent: string | null }[] }>().sessions.find((x) => x.id === oldSessionId)!;
    expect(old.lastSeenAt).toBe(old.createdAt);
    expect(Date.now() - Date.parse(old.createdAt)).toBeGreaterThan(2 * 86_400_000);
    expect(old.userAgent).toBeNull();
    const patched = await server.app.inject({ method: 'PATCH', url: '/api/users/me', headers, payload: { displayName: 'Old Timer' } });
    expect(patched.json<{ user: User }>().user.displayName).toBe('Old Timer');
  });
});
