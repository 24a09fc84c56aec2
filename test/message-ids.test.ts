/**
 * Message ids (issue 9 item 15): UUIDv7 made by the server, not a global counter (which told an
 * outsider how many messages were sent meanwhile in rooms they cannot see). The upgrade from
 * version-1 data: migrate to the last version-1 migration, store v1 rows, migrate to head; the old
 * messages are still readable (with UUIDv7 ids carrying their createdAt) and resume by seq works.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateDatabase, openDatabase, type Database } from '../src/db/client.js';
import { uuidv7Time } from '../src/lib/uuid-v7.js';
import type { Message } from '../src/protocol.js';
import { createRoom, createPostgresDatabase, joinRoom, postMessage, register, startServer, usePostgres, WsClient, type TestServer } from './helpers.js';
import { LAST_V1_MIGRATION, migrateTo, migrationsUpTo } from './migration-helpers.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('message ids', () => {
  let server: TestServer | undefined;
  afterAll(async () => {
    await server?.close();
  });

  it('are UUIDv7 made by the server, distinct, and carry the creation time', async () => {
    server = await startServer();
    const alice = await register(server.app);
    const { room: one } = await createRoom(server.app, alice);
    const { room: two } = await createRoom(server.app, alice);
    const sent: Message[] = [];
    for (let i = 0; i < 4; i++) sent.push(await postMessage(server.app, alice, i % 2 ? one.id : two.id, `m${i}`));
    for (const m of sent) {
      expect(m.id).toMatch(UUID_V7);
      expect(Math.abs(uuidv7Time(m.id) - Date.parse(m.createdAt))).toBeLessThan(2000);
    }
    expect(new Set(sent.map((m) => m.id)).size).toBe(sent.length);
    // History serves the same ids.
    const page = await server.app.inject({ url: `/api/rooms/${one.id}/messages`, headers: alice.headers });
    expect(page.json<{ messages: Message[] }>().messages.map((m) => m.id)).toEqual(sent.filter((_, i) => i % 2).map((m) => m.id));
  });
});

describe('upgrading a database that holds version-1 messages', () => {
  const dropAll: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const drop of dropAll.reverse()) await drop();
  });

  it('keeps every old message readable, with a UUIDv7 id from its createdAt, and resume by seq still works', async () => {
    let url: string | null = null;
    if (usePostgres) {
      const pg = await createPostgresDatabase();
      url = pg.url;
      dropAll.push(pg.drop);
    }
    const database = await openDatabase({ databaseUrl: url, dataDir: null, migrate: false });
    let closed = false;
    dropAll.push(async () => {
      if (!closed) await database.close();
    });
    await migrateTo(database, migrationsUpTo(LAST_V1_MIGRATION));

    // Version-1 rows: bigint identity ids.
    const ownerId = randomUUID();
    const roomId = randomUUID();
    const created = ['2026-01-02T03:04:05.678Z', '2026-01-02T03:04:06.000Z', '2026-01-02T03:05:00.123Z'];
    await database.db.execute(sql`INSERT INTO users (id, username, password_hash) VALUES (${ownerId}::uuid, 'v1_owner', 'x')`);
    await database.db.execute(sql`
      INSERT INTO rooms (id, name, invite_code, owner_id, last_seq, member_count)
      VALUES (${roomId}::uuid, 'v1 room', 'v1-invite', ${ownerId}::uuid, 3, 1)`);
    await database.db.execute(sql`INSERT INTO room_members (room_id, user_id, role) VALUES (${roomId}::uuid, ${ownerId}::uuid, 'owner')`);
    for (const [k, at] of created.entries()) {
      await database.db.execute(sql`
        INSERT INTO messages (room_id, seq, author_id, client_msg_id, body, created_at)
        VALUES (${roomId}::uuid, ${k + 1}, ${ownerId}::uuid, ${`v1-${k}`}, ${`old ${k}`}, ${at}::timestamptz)`);
    }
    const v1Ids = await database.rows<{ id: string }>(sql`SELECT id::text AS id FROM messages ORDER BY seq`);
    expect(v1Ids.map((r) => r.id)).toEqual(['1', '2', '3']);

    await migrateDatabase(database);

    const server = await startServer({}, { database, url, drop: async () => undefined });
    const reader = await register(server.app);
    await joinRoom(server.app, reader, { id: roomId });
    const history = await server.app.inject({ url: `/api/rooms/${roomId}/messages`, headers: reader.headers });
    expect(history.statusCode).toBe(200);
    const old = history.json<{ messages: Message[] }>().messages;
    expect(old.map((m) => [m.seq, m.body, m.clientMsgId])).toEqual([
      [1, 'old 0', 'v1-0'],
      [2, 'old 1', 'v1-1'],
      [3, 'old 2', 'v1-2'],
    ]);
    for (const [k, m] of old.entries()) {
      expect(m.id).toMatch(UUID_V7);
      expect(uuidv7Time(m.id)).toBe(Date.parse(created[k]!));
    }

    // New messages continue the room's seq; a client resumes from an old seq without a gap.
    const fresh = await postMessage(server.app, reader, roomId, 'new after upgrade');
    expect(fresh).toMatchObject({ seq: 4 });
    expect(fresh.id).toMatch(UUID_V7);
    const ws = await WsClient.connect(server.wsUrl, reader.token);
    expect(await ws.subscribe(roomId, 1)).toMatchObject({ type: 'subscribed', lastSeq: 4, recovered: true });
    await ws.next((f) => f.type === 'message' && (f as { message: Message }).message.seq === 4);
    expect(ws.messages(roomId).map((m) => [m.seq, m.id])).toEqual([
      [2, old[1]!.id],
      [3, old[2]!.id],
      [4, fresh.id],
    ]);
    await ws.close();
    await server.close();
    await database.close();
    closed = true;
  });
});
