/**
 * Upgrading a database that holds rooms from before moderation (migration 0006): rooms keep their
 * members and messages, get slow mode off and no deletion mark, and the new tables work on them
 * (ban, audit, delete) through the API.
 */
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { AuditEntry, Room } from '../src/protocol.js';
import { OLD_IDS, upgradedApp } from './migration-helpers.js';

const ids = OLD_IDS;
const upgraded = upgradedApp('0005_files', async (database, passwordHash) => {
  await database.rows(sql`INSERT INTO users (id, username, password_hash) VALUES
    (${ids.alice}::uuid, 'premodalice', ${passwordHash}), (${ids.bob}::uuid, 'premodbob', ${passwordHash})`);
  await database.rows(sql`INSERT INTO rooms (id, name, name_key, invite_code, owner_id, member_count)
    VALUES (${ids.room}::uuid, 'Old room', 'old room', 'pre-mod-invite', ${ids.alice}::uuid, 2)`);
  await database.rows(sql`INSERT INTO room_members (room_id, user_id, role) VALUES
    (${ids.room}::uuid, ${ids.alice}::uuid, 'owner'), (${ids.room}::uuid, ${ids.bob}::uuid, 'member')`);
});
const { login } = upgraded;

describe('migration 0006 (moderation) over existing rooms', () => {
  it('keeps the room with slow mode off, then bans, audits and deletes it', async () => {
    const { server } = upgraded;
    const alice = await login('premodalice');
    const bob = await login('premodbob');
    const got = await server.app.inject({ url: `/api/rooms/${ids.room}`, headers: bob.headers });
    expect(got.json<{ room: Room }>().room).toMatchObject({ name: 'Old room', slowModeSec: 0, memberCount: 2 });
    expect((await server.app.inject({ method: 'PUT', url: `/api/rooms/${ids.room}/bans/${ids.bob}`, headers: alice.headers, payload: { reason: 'old' } })).statusCode).toBe(204);
    expect((await server.app.inject({ method: 'POST', url: `/api/rooms/${ids.room}/join`, headers: bob.headers })).json()).toMatchObject({ code: 'BANNED' });
    const audit = await server.app.inject({ url: `/api/rooms/${ids.room}/audit`, headers: alice.headers });
    expect(audit.json<{ entries: AuditEntry[] }>().entries.map((e) => e.action)).toEqual(['ban']);
    expect((await server.app.inject({ method: 'DELETE', url: `/api/rooms/${ids.room}`, headers: alice.headers })).statusCode).toBe(204);
    expect((await server.app.inject({ url: `/api/rooms/${ids.room}`, headers: alice.headers })).statusCode).toBe(404);
  });
});
