/**
 * The guests migration on a database holding data from before it: accounts keep their password
 * and log in, become `isGuest: false`, and the new check refuses a full account without a password.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hash } from '@node-rs/argon2';
import { sql } from 'drizzle-orm';
import type { Database } from '../src/db/client.js';
import type { Message, User } from '../src/protocol.js';
import type { TestServer } from './helpers.js';
import { createGuest } from './guest-helpers.js';
import { openDatabaseAt, upgradeAndStart, type OldDatabase } from './migration-helpers.js';

let database: Database;
let old: OldDatabase | undefined;
let server: TestServer;
let roomId: string;

beforeAll(async () => {
  old = await openDatabaseAt('0005_files');
  database = old.database;
  const passwordHash = await hash('old account password');
  const [user] = await database.rows<{ id: string }>(sql`INSERT INTO users (username, password_hash) VALUES ('before_guests', ${passwordHash}) RETURNING id`);
  const [room] = await database.rows<{ id: string }>(sql`
    INSERT INTO rooms (name, invite_code, owner_id, member_count, last_seq) VALUES ('Old room', 'old-code', ${user!.id}::uuid, 1, 1) RETURNING id`);
  roomId = room!.id;
  await database.rows(sql`INSERT INTO room_members (room_id, user_id, role) VALUES (${roomId}::uuid, ${user!.id}::uuid, 'owner')`);
  await database.rows(sql`
    INSERT INTO messages (id, room_id, seq, author_id, client_msg_id, body)
    VALUES ('01900000-0000-7000-8000-000000000001', ${roomId}::uuid, 1, ${user!.id}::uuid, 'old-1', 'written before guests')`);
  server = await upgradeAndStart(old);
});
afterAll(async () => {
  await server?.close();
  await old?.close();
});

describe('migrating to guest accounts', () => {
  it('keeps existing accounts full accounts that log in, with their history', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { login: 'before_guests', password: 'old account password' } });
    expect(res.statusCode, res.body).toBe(200);
    const { user, token } = res.json<{ user: User; token: string }>();
    expect(user.isGuest).toBe(false);
    const page = await server.app.inject({ url: `/api/rooms/${roomId}/messages`, headers: { authorization: `Bearer ${token}` } });
    expect(page.json<{ messages: Message[] }>().messages).toMatchObject([{ body: 'written before guests', author: { username: 'before_guests', isGuest: false } }]);
    const [row] = await database.rows<{ is_guest: boolean; deleted_at: unknown; last_active_at: unknown }>(
      sql`SELECT is_guest, deleted_at, last_active_at FROM users WHERE username = 'before_guests'`,
    );
    expect(row).toMatchObject({ is_guest: false, deleted_at: null });
    expect(row!.last_active_at).not.toBeNull();
  });

  it('refuses a full account without a password, and accepts guests after the migration', async () => {
    await expect(database.rows(sql`INSERT INTO users (username, password_hash) VALUES ('no_password', NULL)`)).rejects.toThrow();
    expect((await createGuest(server.app, 'guest_after')).user.isGuest).toBe(true);
  });
});
