/**
 * Several instances behind one Redis and one Postgres: three real server processes on their own
 * ports, clients spread over them. Needs TEST_REDIS_URL and TEST_DATABASE_URL (runs in the
 * server:postgres project); skipped with a message otherwise.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import type { Message, User } from '../src/protocol.js';
import { createPostgresDatabase, sleep, startServer, uniqueName, WsClient } from './helpers.js';
import {
  api,
  clusterEnabled as enabled,
  DB_URL,
  range,
  REDIS_URL,
  register,
  roomIn,
  SECRET,
  sendMany,
  seqsOf,
  startClusterInstance,
  waitFor,
  type Account,
  type Instance,
} from './cluster-harness.js';
if (!REDIS_URL || !DB_URL) {
  console.warn(
    'test/cluster.test.ts: multi-instance tests SKIPPED: set TEST_REDIS_URL (e.g. redis://127.0.0.1:6379) and TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres) to run them',
  );
}


describe('cluster configuration', () => {
  it('refuses REDIS_URL with the embedded database, and without a shared SESSION_SECRET', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'rtchat-cfg-'));
    let err: unknown;
    try {
      loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', DATA_DIR: dataDir });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/REDIS_URL is set but DATABASE_URL is not/);
    expect((err as ConfigError).message).toMatch(/SESSION_SECRET/);
    const ok = loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', DATABASE_URL: 'postgres://x@h/db', SESSION_SECRET: SECRET, REDIS_PREFIX: 'a:b' });
    expect(ok.redisPrefix).toBe('a:b');
    expect(() => loadConfig({ REDIS_PREFIX: 'has space', SESSION_SECRET: SECRET, DATA_DIR: dataDir })).toThrow(/REDIS_PREFIX/);
  });
});

describe.skipIf(!enabled)('several instances through Redis (needs TEST_REDIS_URL and TEST_DATABASE_URL)', () => {
  const prefix = `rtchat-test-${randomBytes(4).toString('hex')}:`;
  let dbUrl: string;
  let dropDb: () => Promise<void>;
  const instances: Instance[] = [];
  let admin: Redis;

  const startInstance = (name: string) => startClusterInstance(name, { dbUrl, prefix });
  const roomWith = (members: Account[]) => roomIn(instances, members);

  async function ourConnections(kind: 'sub' | 'cmd' | 'all'): Promise<string[]> {
    const list = (await admin.client('LIST')) as string;
    return list
      .split('\n')
      .filter((line) => {
        const name = /name=(\S+)/.exec(line)?.[1] ?? '';
        return kind === 'all' ? name.startsWith(prefix) : name.startsWith(`${prefix}${kind}:`);
      })
      .map((line) => /id=(\d+)/.exec(line)![1]!);
  }

  beforeAll(async () => {
    ({ url: dbUrl, drop: dropDb } = await createPostgresDatabase());
    admin = new Redis(REDIS_URL!);
    // The first one migrates; the others start together.
    instances.push(await startInstance('A'));
    instances.push(...(await Promise.all([startInstance('B'), startInstance('C')])));
  }, 90_000);

  afterAll(async () => {
    for (const inst of instances) inst.proc.kill('SIGKILL');
    await Promise.all(instances.map((i) => i.exited));
    if (admin) {
      const keys = await admin.keys(`${prefix}*`);
      if (keys.length) await admin.del(...keys);
      admin.disconnect();
    }
    await dropDb?.();
  });

  it('delivers 1,000 messages from several senders to every client on every instance, once each, in seq order', async () => {
    const accounts = await Promise.all(instances.concat(instances).map((inst) => register(inst)));
    const roomId = await roomWith(accounts);
    // Six users, one socket each, two per instance, plus second tabs of three users elsewhere.
    const clients = await Promise.all([
      ...accounts.map((a, k) => WsClient.connect(instances[k % 3]!.wsUrl, a.token)),
      ...accounts.slice(0, 3).map((a, k) => WsClient.connect(instances[(k + 1) % 3]!.wsUrl, a.token)),
    ]);
    for (const c of clients) expect(await c.subscribe(roomId)).toMatchObject({ type: 'subscribed', lastSeq: 0 });
    const senders = clients.slice(0, 5);
    await Promise.all(senders.map((ws, k) => sendMany(ws, roomId, `s${k}`, 200)));
    await waitFor(() => clients.every((c) => seqsOf(c.frames, roomId).length >= 1000), 20_000, 'every client has 1000 messages');
    await sleep(300); // anything doubled would have arrived by now
    for (const c of clients) expect(seqsOf(c.frames, roomId)).toEqual(range(1, 1000));
    // Each sender's messages got stored in the order it sent them.
    const all = clients[5]!.messages(roomId);
    for (let k = 0; k < 5; k++) {
      const mine = all.filter((m) => m.clientMsgId.startsWith(`s${k}-`)).map((m) => Number(m.clientMsgId.split('-')[1]));
      expect(mine).toEqual(range(0, 199));
    }
    await Promise.all(clients.map((c) => c.close()));
  }, 60_000);

  it('shares presence, typing, member events and read cursors across instances', async () => {
    const [x, y, z] = [await register(instances[0]!), await register(instances[1]!), await register(instances[2]!)];
    const roomId = await roomWith([x, y]);
    const xa = await WsClient.connect(instances[0]!.wsUrl, x.token);
    const first = await xa.subscribe(roomId);
    expect(first.online).toEqual([x.user.id]);

    // y comes online on B: x on A hears it, and a new subscriber on C sees both online.
    const yb = await WsClient.connect(instances[1]!.wsUrl, y.token);
    await xa.next((f) => f.type === 'presence' && f.userId === y.user.id && f.online === true);
    const xc = await WsClient.connect(instances[2]!.wsUrl, x.token);
    const sub = await xc.subscribe(roomId);
    expect([...(sub.online as string[])].sort()).toEqual([x.user.id, y.user.id].sort());
    const members = await api<{ members: { user: User; online: boolean }[] }>(instances[2]!, 'GET', `/api/rooms/${roomId}/members`, x.token);
    expect(members.body.members.find((m) => m.user.id === y.user.id)?.online).toBe(true);

    // Typing on B reaches A and C, and not the typist.
    await yb.subscribe(roomId);
    yb.send({ type: 'typing', roomId, isTyping: true });
    await xa.next((f) => f.type === 'typing' && (f.user as User).id === y.user.id && f.isTyping === true);
    await xc.next((f) => f.type === 'typing' && (f.user as User).id === y.user.id && f.isTyping === true);
    yb.send({ type: 'typing', roomId, isTyping: false });
    await xa.next((f) => f.type === 'typing' && (f.user as User).id === y.user.id && f.isTyping === false);

    // z joins over HTTP on C: x on A hears the member event; z's socket on B counts online there.
    const zb = await WsClient.connect(instances[1]!.wsUrl, z.token);
    expect((await api(instances[2]!, 'POST', `/api/rooms/${roomId}/join`, z.token)).status).toBe(200);
    await xa.next((f) => f.type === 'member' && f.action === 'joined' && (f.user as User).id === z.user.id);
    await xa.next((f) => f.type === 'presence' && f.userId === z.user.id && f.online === true);

    // x reads on A: x's other socket, on C, is told.
    xa.send({ type: 'send', roomId, clientMsgId: 'read-me', body: 'hello' });
    const ack = await xa.next((f) => f.type === 'ack');
    const seq = (ack.message as Message).seq;
    yb.send({ type: 'read', roomId, seq });
    const yc = await WsClient.connect(instances[2]!.wsUrl, y.token);
    expect((await api(instances[0]!, 'POST', `/api/rooms/${roomId}/read`, y.token, { seq })).status).toBe(204);
    await yc.next((f) => f.type === 'read' && f.roomId === roomId && f.seq === seq);

    // y's sockets close: offline everywhere once the last one (on C) is gone.
    await yb.close();
    await sleep(300);
    expect(xa.frames.some((f) => f.type === 'presence' && f.userId === y.user.id && f.online === false)).toBe(false);
    await yc.close();
    await xa.next((f) => f.type === 'presence' && f.userId === y.user.id && f.online === false);
    await xc.next((f) => f.type === 'presence' && f.userId === y.user.id && f.online === false);

    // z leaves over HTTP on A: its socket on B stops receiving the room; A hears "left".
    await zb.subscribe(roomId);
    expect((await api(instances[0]!, 'POST', `/api/rooms/${roomId}/leave`, z.token)).status).toBe(204);
    await xa.next((f) => f.type === 'member' && f.action === 'left' && (f.user as User).id === z.user.id);
    await sleep(200);
    xa.send({ type: 'send', roomId, clientMsgId: 'after-leave', body: 'z should not see this' });
    await xa.next((f) => f.type === 'ack' && f.clientMsgId === 'after-leave');
    await xc.next((f) => f.type === 'message' && (f.message as Message).clientMsgId === 'after-leave');
    expect(zb.frames.some((f) => f.type === 'message' && (f.message as Message).clientMsgId === 'after-leave')).toBe(false);

    // A room created over HTTP on A by a user whose socket is on B: B counts them online there.
    const owner = await register(instances[0]!);
    const ownerOnB = await WsClient.connect(instances[1]!.wsUrl, owner.token);
    await sleep(200);
    const created = await api<{ room: { id: string } }>(instances[0]!, 'POST', '/api/rooms', owner.token, { name: uniqueName('room') });
    const newRoom = created.body.room.id;
    expect((await api(instances[2]!, 'POST', `/api/rooms/${newRoom}/join`, x.token)).status).toBe(200);
    await sleep(200);
    const onC = await xc.subscribe(newRoom);
    expect([...(onC.online as string[])].sort()).toEqual([owner.user.id, x.user.id].sort());

    await Promise.all([xa.close(), xc.close(), zb.close(), ownerOnB.close()]);
  }, 30_000);

  it('logout on one instance closes the same session on another with 4001, and only that session', async () => {
    const w = await register(instances[0]!);
    const other = await api<Account>(instances[1]!, 'POST', '/api/auth/login', undefined, { login: w.user.username, password: 'correct horse battery' });
    const onB = await WsClient.connect(instances[1]!.wsUrl, w.token);
    const onC = await WsClient.connect(instances[2]!.wsUrl, w.token);
    const otherSession = await WsClient.connect(instances[1]!.wsUrl, other.body.token);
    expect((await api(instances[0]!, 'POST', '/api/auth/logout', w.token)).status).toBe(204);
    expect((await onB.closed).code).toBe(4001);
    expect((await onC.closed).code).toBe(4001);
    await sleep(200);
    expect(otherSession.socket.readyState).toBe(otherSession.socket.OPEN);
    await otherSession.close();
  });

  it('counts login failures across instances', async () => {
    const v = await register(instances[0]!);
    for (let i = 0; i < 5; i++) {
      const res = await api(instances[i % 3]!, 'POST', '/api/auth/login', undefined, { login: v.user.username, password: 'wrong password!' });
      expect(res.status).toBe(401);
    }
    const res = await api<{ code: string }>(instances[2]!, 'POST', '/api/auth/login', undefined, { login: v.user.username, password: 'correct horse battery' });
    expect(res.status).toBe(429);
    expect(res.body.code).toBe('RATE_LIMITED');
  });

  it('loses and doubles nothing when the Redis connections break mid-stream', async () => {
    const accounts = await Promise.all(instances.map((inst) => register(inst)));
    const roomId = await roomWith(accounts);
    const clients = await Promise.all(accounts.map((a, k) => WsClient.connect(instances[k]!.wsUrl, a.token)));
    for (const c of clients) await c.subscribe(roomId);
    const logBefore = instances.map((i) => i.log.length);

    const sending = Promise.all(clients.map((ws, k) => sendMany(ws, roomId, `r${k}`, 100, 5, 10)));
    await sleep(300);
    // Drop every subscriber connection of ours and hold Redis still for a moment: whatever is
    // published before they are back is gone from the bus.
    const subs = await ourConnections('sub');
    expect(subs.length).toBe(3);
    const pipe = admin.pipeline();
    for (const id of subs) pipe.client('KILL', 'ID', id);
    pipe.client('PAUSE', 1000, 'ALL');
    await pipe.exec();
    await sending;
    const total = 300;
    await waitFor(() => clients.every((c) => seqsOf(c.frames, roomId).length >= total), 20_000, 'every client has every message');
    await sleep(300);
    for (const c of clients) expect(seqsOf(c.frames, roomId)).toEqual(range(1, total));

    // One warning and one recovery line per instance, not one per message.
    const linesOf = (k: number) => instances[k]!.log.slice(logBefore[k]);
    await waitFor(() => instances.every((_, k) => linesOf(k).some((l) => l.includes('Redis is back'))), 10_000, 'recovery logged');
    for (const [k, inst] of instances.entries()) {
      const lines = linesOf(k);
      const down = lines.filter((l) => l.includes('Redis unavailable')).length;
      const back = lines.filter((l) => l.includes('Redis is back')).length;
      expect(down, inst.name).toBeGreaterThanOrEqual(1);
      expect(down, inst.name).toBeLessThanOrEqual(2);
      expect(back, inst.name).toBeGreaterThanOrEqual(1);
      if (process.env.CLUSTER_TEST_VERBOSE) console.log(inst.name, lines.filter((l) => l.includes('Redis')).join('\n'));
    }
    await Promise.all(clients.map((c) => c.close()));
  }, 60_000);

  it('a logout while Redis is unreachable still closes the session on other instances once it is back', async () => {
    const w = await register(instances[0]!);
    const onB = await WsClient.connect(instances[1]!.wsUrl, w.token);
    const subs = await ourConnections('sub');
    const pipe = admin.pipeline();
    for (const id of subs) pipe.client('KILL', 'ID', id);
    pipe.client('PAUSE', 800, 'ALL');
    await pipe.exec();
    expect((await api(instances[0]!, 'POST', '/api/auth/logout', w.token)).status).toBe(204);
    expect((await onB.closed).code).toBe(4001);
    if (process.env.CLUSTER_TEST_VERBOSE) console.log(instances[1]!.log.filter((l) => l.includes('sessions')).join('\n'));
  });

  it('kill -9 of one instance: its clients resume on another with sinceSeq and miss nothing; its users go offline', async () => {
    const accounts = await Promise.all([register(instances[0]!), register(instances[1]!), register(instances[2]!), register(instances[2]!)]);
    const roomId = await roomWith(accounts);
    const [a, b, c, quiet] = accounts as [Account, Account, Account, Account];
    const victim = instances[2]!;
    const survivors = instances.slice(0, 2);
    const wsA = await WsClient.connect(instances[0]!.wsUrl, a.token);
    const wsB = await WsClient.connect(instances[1]!.wsUrl, b.token);
    const wsQuiet = await WsClient.connect(victim.wsUrl, quiet.token);
    const [subA] = await Promise.all([wsA.subscribe(roomId), wsB.subscribe(roomId), wsQuiet.subscribe(roomId)]);
    if (!(subA.online as string[]).includes(quiet.user.id)) {
      await wsA.next((f) => f.type === 'presence' && f.userId === quiet.user.id && f.online === true);
    }

    // c sends from the victim and resends whatever was not acked when it died (same clientMsgIds).
    const cSeqs: number[] = [];
    const acked = new Set<string>();
    const perSender = 150;
    let wsC = await WsClient.connect(victim.wsUrl, c.token);
    await wsC.subscribe(roomId);
    const collect = (ws: WsClient) =>
      ws.socket.on('message', (data) => {
        const f = JSON.parse(data.toString()) as { type: string; message?: Message; clientMsgId?: string };
        if ((f.type === 'message' || f.type === 'ack') && f.message!.roomId === roomId) cSeqs.push(f.message!.seq);
        if (f.type === 'ack') acked.add(f.clientMsgId!);
      });
    collect(wsC);
    const cDone = (async () => {
      for (let i = 0; i < perSender; i++) {
        if (i === 50) victim.proc.kill('SIGKILL');
        if (wsC.socket.readyState !== wsC.socket.OPEN) {
          await wsC.closed;
          // Reconnect to a survivor and resume after the last seq seen, then resend the unacked.
          wsC = await WsClient.connect(survivors[0]!.wsUrl, c.token);
          collect(wsC);
          const last = cSeqs.length ? cSeqs[cSeqs.length - 1]! : 0;
          const sub = await wsC.subscribe(roomId, last);
          expect(sub).toMatchObject({ type: 'subscribed', recovered: true });
          for (let j = 0; j < i; j++) {
            if (!acked.has(`c-${j}`)) wsC.send({ type: 'send', roomId, clientMsgId: `c-${j}`, body: `c ${j}` });
          }
        }
        wsC.send({ type: 'send', roomId, clientMsgId: `c-${i}`, body: `c ${i}` });
        await sleep(5);
      }
      await waitFor(() => acked.size === perSender, 15_000, 'all of c acked');
    })();
    await Promise.all([sendMany(wsA, roomId, 'a', perSender, 5, 5), sendMany(wsB, roomId, 'b', perSender, 5, 5), cDone]);
    const total = perSender * 3;
    await waitFor(() => [wsA, wsB].every((w) => seqsOf(w.frames, roomId).length >= total) && new Set(cSeqs).size >= total, 20_000, 'all delivered');
    await sleep(300);
    for (const w of [wsA, wsB]) expect(seqsOf(w.frames, roomId)).toEqual(range(1, total));
    // c may see its own resent messages acked twice (the second ack names the original): no seq is missing or out of order.
    expect([...new Set(cSeqs)]).toEqual(range(1, total));
    const stored = wsA.messages(roomId);
    for (const tag of ['a', 'b', 'c']) {
      expect(stored.filter((m) => m.clientMsgId.startsWith(`${tag}-`)).length).toBe(perSender);
    }

    // The quiet user, connected only to the dead instance, goes offline by itself.
    await wsA.next((f) => f.type === 'presence' && f.userId === quiet.user.id && f.online === false, 30_000);
    const res = await api<{ members: { user: User; online: boolean }[] }>(instances[0]!, 'GET', `/api/rooms/${roomId}/members`, a.token);
    expect(res.body.members.find((m) => m.user.id === quiet.user.id)?.online).toBe(false);
    await Promise.all([wsA.close(), wsB.close(), wsC.close()]);
  }, 60_000);
});

describe.skipIf(!DB_URL || process.env.RTCHAT_TEST_DB !== 'postgres')('Redis unreachable', () => {
  it('serves local connections and reports degraded readiness (200)', async () => {
    const { url, drop } = await createPostgresDatabase();
    const server = await startServer({ REDIS_URL: 'redis://127.0.0.1:1', DATABASE_URL: url, REDIS_PREFIX: `rtchat-down-${randomBytes(3).toString('hex')}:` });
    try {
      const ready = await server.app.inject({ url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toMatchObject({ status: 'degraded' });
      const reg = await server.app.inject({ method: 'POST', url: '/api/auth/register', payload: { username: uniqueName('d'), password: 'correct horse battery' } });
      const token = reg.json<{ token: string }>().token;
      const created = await server.app.inject({ method: 'POST', url: '/api/rooms', headers: { authorization: `Bearer ${token}` }, payload: { name: uniqueName('room') } });
      const roomId = created.json<{ room: { id: string } }>().room.id;
      const ws1 = await WsClient.connect(server.wsUrl, token);
      const ws2 = await WsClient.connect(server.wsUrl, token);
      await ws1.subscribe(roomId);
      await ws2.subscribe(roomId);
      ws1.send({ type: 'send', roomId, clientMsgId: 'x1', body: 'still here' });
      await ws1.next((f) => f.type === 'ack' && f.clientMsgId === 'x1');
      await ws2.next((f) => f.type === 'message' && (f.message as Message).clientMsgId === 'x1');
      await Promise.all([ws1.close(), ws2.close()]);
    } finally {
      await server.close();
      await drop();
    }
  }, 30_000);
});
