/**
 * The look-alike name key migration on a database holding version 1 data: the schema of the first
 * migrations, rooms created under the old rule (names unique across all rooms, compared by
 * lower()), then every migration and a start of the app, which backfills the keys.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Database } from '../src/db/client.js';
import { register, uniqueName, type TestServer } from './helpers.js';
import { expectError } from './authz-helpers.js';
import { LAST_V1_MIGRATION, openDatabaseAt, upgradeAndStart, type OldDatabase } from './migration-helpers.js';

let database: Database;
let old: OldDatabase | undefined;
let server: TestServer;
const V1_ROOMS = [
  // name, private
  ['General', false],
  ['room0', false],
  ['roomO', false], // a look-alike of room0, allowed by version 1: keeps no key
  ['Secret', true],
] as const;

beforeAll(async () => {
  old = await openDatabaseAt(LAST_V1_MIGRATION);
  database = old.database;
  const [owner] = await database.rows<{ id: string }>(sql`INSERT INTO users (username, password_hash) VALUES ('v1owner', 'x') RETURNING id`);
  for (const [i, [name, isPrivate]] of V1_ROOMS.entries()) {
    const [room] = await database.rows<{ id: string }>(sql`
      INSERT INTO rooms (name, is_private, invite_code, owner_id, member_count, created_at)
      VALUES (${name}, ${isPrivate}, ${`v1-code-${i}`}, ${owner!.id}::uuid, 1, now() + ${`${i} seconds`}::interval)
      RETURNING id`);
    await database.rows(sql`INSERT INTO room_members (room_id, user_id, role) VALUES (${room!.id}::uuid, ${owner!.id}::uuid, 'owner')`);
  }
  server = await upgradeAndStart(old);
});
afterAll(async () => {
  await server?.close();
  await old?.close();
});

describe('migrating version 1 rooms to look-alike keys', () => {
  it('gives every room a key at start-up, except a look-alike of an older public room', async () => {
    const rows = await database.rows<{ name: string; name_key: string | null }>(sql`SELECT name, name_key FROM rooms ORDER BY created_at`);
    expect(rows.map((r) => [r.name, r.name_key === null])).toEqual([
      ['General', false],
      ['room0', false],
      ['roomO', true],
      ['Secret', false],
    ]);
  });

  it('applies the new rule to the old rooms: look-alikes of public ones are taken, a private one blocks nothing', async () => {
    const user = await register(server.app, uniqueName('new'));
    const create = (name: string, isPrivate = false) =>
      server.app.inject({ method: 'POST', url: '/api/rooms', headers: user.headers, payload: { name, isPrivate } });
    expectError(await create('general'), 409, 'ROOM_NAME_TAKEN');
    expectError(await create('Gеnеral'), 409, 'ROOM_NAME_TAKEN'); // Cyrillic е
    expectError(await create('ROOMO'), 409, 'ROOM_NAME_TAKEN');
    expectError(await create('room0'), 409, 'ROOM_NAME_TAKEN');
    expect((await create('secret')).statusCode).toBe(201);
    expect((await create('General', true)).statusCode).toBe(201);
  });
});
