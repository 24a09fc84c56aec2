/**
 * Upgrading a database that holds version-1 data: migrate a fresh database to the last v1
 * migration, insert rows the way v1 stored them, migrate to head, and check that old messages read
 * back with the new fields at their defaults, resume by seq works, and new events continue the log.
 */
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { Message } from '../src/protocol.js';
import { WsClient } from './helpers.js';
import { logFramesOf, roomLogApi } from './room-log-helpers.js';
import { LAST_V1_MIGRATION, OLD_IDS, upgradedApp } from './migration-helpers.js';

const ids = OLD_IDS;
const upgraded = upgradedApp(
  LAST_V1_MIGRATION,
  async (database, passwordHash) => {
    // Version-1 rows, written with version-1 columns only.
    await database.rows(sql`INSERT INTO users (id, username, password_hash) VALUES
    (${ids.alice}::uuid, 'v1alice', ${passwordHash}), (${ids.bob}::uuid, 'v1bob', ${passwordHash})`);
    await database.rows(sql`INSERT INTO rooms (id, name, invite_code, owner_id, last_seq, member_count)
    VALUES (${ids.room}::uuid, 'Old room', 'v1-invite-code', ${ids.alice}::uuid, 3, 2)`);
    await database.rows(sql`INSERT INTO room_members (room_id, user_id, role, last_read_seq) VALUES
    (${ids.room}::uuid, ${ids.alice}::uuid, 'owner', 3), (${ids.room}::uuid, ${ids.bob}::uuid, 'member', 1)`);
    await database.rows(sql`INSERT INTO messages (room_id, seq, author_id, client_msg_id, body) VALUES
    (${ids.room}::uuid, 1, ${ids.alice}::uuid, 'v1-a', 'first'),
    (${ids.room}::uuid, 2, ${ids.bob}::uuid, 'v1-b', 'second'),
    (${ids.room}::uuid, 3, ${ids.alice}::uuid, 'v1-c', 'third @v1bob')`);
  },
  { SEND_RATE_PER_SEC: '1000', SEND_BURST: '1000' },
);
const { login } = upgraded;

describe('upgrade from a version-1 database', () => {
  it('reads old messages with the new fields at their defaults, resumes by seq, and continues the log', async () => {
    const { server } = upgraded;
    const [alice, bob] = [await login('v1alice'), await login('v1bob')];
    const api = roomLogApi(server.app);
    const history = await api.history(bob, ids.room);
    expect(history.map((m) => [m.seq, m.body])).toEqual([[1, 'first'], [2, 'second'], [3, 'third @v1bob']]);
    for (const m of history) {
      expect(m).toMatchObject({ editedAt: null, deletedAt: null, attachments: [], replyTo: null, mentions: [], mentionsRoom: false, reactions: [] });
    }
    const joined = (await api.call(bob, 'GET', '/api/rooms/joined')).json<{ rooms: { id: string; unreadCount: number; mentionCount: number; role: string }[] }>();
    // Old messages were stored without mentions: nothing to count there.
    expect(joined.rooms[0]).toMatchObject({ id: ids.room, role: 'member', unreadCount: 1, mentionCount: 0 });

    // Resume by seq over old rows, then new events of every kind continue the same seq.
    const ws = await WsClient.connect(server.wsUrl, bob.token);
    await ws.subscribe(ids.room, 1);
    await ws.next((f) => f.type === 'message' && (f.message as Message).seq === 3);
    expect((await api.edit(alice, ids.room, history[0]!.id, 'first, edited')).statusCode).toBe(200);
    expect((await api.react(bob, ids.room, history[1]!.id, '👍')).statusCode).toBe(204);
    expect((await api.remove(alice, ids.room, history[2]!.id)).statusCode).toBe(204);
    await ws.next((f) => f.type === 'delete');
    expect(logFramesOf(ws.frames, ids.room).map((f) => (f.type === 'message' ? f.message.seq : f.seq))).toEqual([2, 3, 4, 5, 6]);
    const after = await api.history(bob, ids.room);
    expect(after.map((m) => m.body)).toEqual(['first, edited', 'second', '']);
    await ws.close();
  });
});
