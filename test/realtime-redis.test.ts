/**
 * Real-time behaviour that needs Redis, with two in-process instances on one Postgres database.
 * Runs in the server:postgres project with TEST_REDIS_URL; skipped otherwise.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRoom, createTestDatabase, register, startServer, usePostgres, WsClient, type TestDatabase, type TestServer } from './helpers.js';

const REDIS_URL = process.env.TEST_REDIS_URL;
const enabled = Boolean(REDIS_URL && usePostgres);

describe.skipIf(!enabled)('two instances through Redis (in process)', () => {
  const prefix = `rtchat-rt-${randomBytes(4).toString('hex')}:`;
  let db: TestDatabase;
  let a: TestServer;
  let b: TestServer;
  let admin: Redis;

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = { REDIS_URL: REDIS_URL!, REDIS_PREFIX: prefix, DATABASE_URL: db.url! };
    a = await startServer(env, db);
    b = await startServer(env, db);
    admin = new Redis(REDIS_URL!);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    if (admin) {
      const keys = await admin.keys(`${prefix}*`);
      if (keys.length) await admin.del(...keys);
      admin.disconnect();
    }
    await db?.drop();
  });

  const roomChannels = async () => ((await admin.pubsub('CHANNELS', `${prefix}room:*`)) as string[]).sort();

  it('opens no Redis channel for rooms the subscriber is not a member of (issue 9 item 17)', async () => {
    const alice = await register(a.app);
    const bob = await register(a.app);
    const { room: secret } = await createRoom(a.app, alice, { isPrivate: true });
    const { room: open } = await createRoom(a.app, alice);
    const before = await roomChannels();
    const ws = await WsClient.connect(a.wsUrl, bob.token);
    const targets = [secret.id, open.id, ...Array.from({ length: 198 }, () => randomUUID())];
    for (const roomId of targets) ws.send({ type: 'subscribe', roomId });
    for (const roomId of targets) {
      const answer = await ws.next((f) => f.type === 'error' && f.ref === roomId);
      expect(answer.code).toBe(roomId === open.id ? 'NOT_A_MEMBER' : 'ROOM_NOT_FOUND');
    }
    expect(await roomChannels()).toEqual(before);
    // A member's subscribe does open its room's channel (the check above can see one).
    const owner = await WsClient.connect(a.wsUrl, alice.token);
    expect(await owner.subscribe(secret.id)).toMatchObject({ type: 'subscribed' });
    expect(await roomChannels()).toEqual([...before, `${prefix}room:${secret.id}`].sort());
    await Promise.all([ws.close(), owner.close()]);
  });
});
