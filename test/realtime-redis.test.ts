/**
 * Real-time behaviour that needs Redis, with two in-process instances on one Postgres database.
 * Runs in the server:postgres project with TEST_REDIS_URL; skipped otherwise.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisBroker } from '../src/realtime/cluster/redis-broker.js';
import {
  connectSoon,
  createRoom,
  createTestDatabase,
  refusedUpgrade,
  register,
  startServer,
  usePostgres,
  WsClient,
  type TestDatabase,
  type TestServer,
} from './helpers.js';

const REDIS_URL = process.env.TEST_REDIS_URL;
const enabled = Boolean(REDIS_URL && usePostgres);
const PER_USER = 3;

describe.skipIf(!enabled)('two instances through Redis (in process)', () => {
  const prefix = `rtchat-rt-${randomBytes(4).toString('hex')}:`;
  let db: TestDatabase;
  let a: TestServer;
  let b: TestServer;
  let admin: Redis;

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = { REDIS_URL: REDIS_URL!, REDIS_PREFIX: prefix, DATABASE_URL: db.url!, WS_MAX_PER_USER: String(PER_USER) };
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

  it(`caps one user's WebSocket connections at ${PER_USER} across both instances (issue 9 item 5)`, async () => {
    const carol = await register(a.app);
    const open = [
      await WsClient.connect(a.wsUrl, carol.token),
      await WsClient.connect(a.wsUrl, carol.token),
      await WsClient.connect(b.wsUrl, carol.token),
    ];
    expect(await refusedUpgrade(a.wsUrl, carol.token)).toMatchObject({ status: 429, body: { statusCode: 429, code: 'RATE_LIMITED' } });
    expect(await refusedUpgrade(b.wsUrl, carol.token)).toMatchObject({ status: 429, body: { code: 'RATE_LIMITED' } });
    // A connection closed on B frees a slot on A.
    await open[2]!.close();
    open[2] = await connectSoon(a.wsUrl, carol.token);
    expect((await refusedUpgrade(b.wsUrl, carol.token)).status).toBe(429);
    await Promise.all(open.map((ws) => ws.close()));
  });

  it("forgets the counts of an instance whose heartbeat stopped (they expire with it)", async () => {
    const dave = await register(a.app);
    // Each live instance's counts carry its heartbeat's expiry.
    const ownKey = `${prefix}conns:${(a.app.broker as RedisBroker).instanceId}`;
    const ws = await WsClient.connect(a.wsUrl, dave.token);
    await expect.poll(async () => admin.hget(ownKey, `u:${dave.user.id}`)).toBe('1');
    const ttl = await admin.pttl(ownKey);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(15_000);
    // A dead instance's counts: still registered, but its hash is about to expire.
    await admin.sadd(`${prefix}instances`, 'dead-instance');
    await admin.hset(`${prefix}conns:dead-instance`, `u:${dave.user.id}`, String(PER_USER));
    await admin.pexpire(`${prefix}conns:dead-instance`, 300);
    expect((await refusedUpgrade(b.wsUrl, dave.token)).status).toBe(429);
    const again = await connectSoon(b.wsUrl, dave.token);
    await Promise.all([ws.close(), again.close()]);
  });
});
