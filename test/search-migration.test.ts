/**
 * The message search migration on a database holding messages from before it: the schema up to
 * 0005_files, messages inserted the old way (one edited, one deleted), then every migration: the
 * generated column is computed for every existing row, so old messages are found at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Database } from '../src/db/client.js';
import type { SearchResponse } from '../src/protocol.js';
import { register, type Account, type TestServer } from './helpers.js';
import { openDatabaseAt, upgradeAndStart, type OldDatabase } from './migration-helpers.js';

let database: Database;
let old: OldDatabase | undefined;
let server: TestServer;
let reader: Account;

beforeAll(async () => {
  old = await openDatabaseAt('0005_files');
  database = old.database;
  const [owner] = await database.rows<{ id: string }>(sql`INSERT INTO users (username, password_hash) VALUES ('oldtimer', 'x') RETURNING id`);
  const [room] = await database.rows<{ id: string }>(sql`
    INSERT INTO rooms (name, invite_code, owner_id, member_count, last_seq) VALUES ('Old room', 'old-code', ${owner!.id}::uuid, 1, 3) RETURNING id`);
  await database.rows(sql`INSERT INTO room_members (room_id, user_id, role) VALUES (${room!.id}::uuid, ${owner!.id}::uuid, 'owner')`);
  const rows = [
    ['01900000-0000-7000-8000-000000000001', 1, 'Crème brûlée recipe from before', null, null],
    ['01900000-0000-7000-8000-000000000002', 2, 'edited later body', 'original older body', null],
    ['01900000-0000-7000-8000-000000000003', 3, '', 'deleted brûlée words', 'now()'],
  ] as const;
  for (const [id, seq, body, original, deleted] of rows) {
    await database.rows(sql`INSERT INTO messages (id, room_id, seq, author_id, client_msg_id, body, original_body, edited_at, deleted_at)
      VALUES (${id}::uuid, ${room!.id}::uuid, ${seq}, ${owner!.id}::uuid, ${`c${seq}`}, ${body}, ${original},
        ${original === null ? null : new Date()}, ${deleted === null ? null : new Date()})`);
  }
  server = await upgradeAndStart(old);
  // The old owner has no password to log in with: a new account joins the old room.
  reader = await register(server.app);
  await database.rows(sql`INSERT INTO room_members (room_id, user_id) VALUES (${room!.id}::uuid, ${reader.user.id}::uuid)`);
});
afterAll(async () => {
  await server?.close();
  await old?.close();
});

const found = async (q: string) => {
  const res = await server.app.inject({ url: `/api/search?q=${encodeURIComponent(q)}`, headers: reader.headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<SearchResponse>().results.map((r) => r.message.body);
};

describe('migrating existing messages to search', () => {
  it('finds messages stored before the migration, by their current body, accents folded', async () => {
    expect(await found('creme brulee')).toEqual(['Crème brûlée recipe from before']);
    expect(await found('edited')).toEqual(['edited later body']);
  });

  it('never finds an old message by a body it no longer has, nor a deleted one', async () => {
    expect(await found('original')).toEqual([]);
    expect(await found('deleted')).toEqual([]);
  });
});
