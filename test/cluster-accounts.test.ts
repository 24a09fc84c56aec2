/**
 * Accounts across two instances (one Postgres, one Redis): a session cached on B is refused by B
 * right after A answers its logout / deletion / password change / sign-out-everywhere-else; its
 * sockets on B close with 4001; a profile changed on A is what a socket already open on B authors
 * its next message with. Runs in the server:postgres project with TEST_REDIS_URL.
 *
 * Requests go over real HTTP (fetch), as a client's would: the client reads A's answer, then asks
 * B. (An in-process inject to B would run before B's event loop reads its Redis socket at all.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message, User } from '../src/protocol.js';
import { createRoom, joinRoom, register, uniqueName, WsClient, type Account, type TestServer } from './helpers.js';
import { canRunPair, expectError, loginAgain, startRedisPair } from './authz-helpers.js';

describe.skipIf(!canRunPair)('accounts across instances', () => {
  let pair: Awaited<ReturnType<typeof startRedisPair>>;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    pair = await startRedisPair();
    ({ a, b } = pair);
  });
  afterAll(() => pair?.close());

  /** An HTTP request over the network; the answer in the shape expectError reads. */
  async function call(server: TestServer, account: Account, method: string, url: string, payload?: unknown) {
    const res = await fetch(`${server.url}${url}`, {
      method,
      headers: { ...account.headers, ...(payload ? { 'content-type': 'application/json' } : {}) },
      body: payload ? JSON.stringify(payload) : undefined,
    });
    const body = await res.text();
    return { statusCode: res.status, body, json: <T = Record<string, unknown>>() => JSON.parse(body) as T } as never as import('light-my-request').Response;
  }
  const me = (server: TestServer, account: Account) => call(server, account, 'GET', '/api/auth/me');

  /** Makes B hold the session in its cache (and proves it answers from there). */
  async function cachedOnB(account: Account): Promise<void> {
    expect((await me(b, account)).statusCode).toBe(200);
    const hits = b.app.sessionCache.hits;
    expect((await me(b, account)).statusCode).toBe(200);
    expect(b.app.sessionCache.hits).toBe(hits + 1);
  }

  async function sessionIdOf(server: TestServer, account: Account): Promise<string> {
    const res = await server.app.inject({ url: '/api/auth/sessions', headers: account.headers });
    return res.json<{ sessions: { id: string; current: boolean }[] }>().sessions.find((s) => s.current)!.id;
  }

  it('logout on A: B refuses the token right after the response', async () => {
    const ann = await register(a.app);
    await cachedOnB(ann);
    expect((await call(a, ann, 'POST', '/api/auth/logout')).statusCode).toBe(204);
    expectError(await me(b, ann), 401, 'UNAUTHORIZED');
  });

  it('a session deleted on A is refused by B at once and its socket on B closes with 4001', async () => {
    const ann = await register(a.app);
    const laptop = await loginAgain(a.app, ann);
    await cachedOnB(laptop);
    const ws = await WsClient.connect(b.wsUrl, laptop.token);
    const id = await sessionIdOf(b, laptop);
    expect((await call(a, ann, 'DELETE', `/api/auth/sessions/${id}`)).statusCode).toBe(204);
    expectError(await me(b, laptop), 401, 'UNAUTHORIZED');
    expect((await ws.closed).code).toBe(4001);
  });

  it('a password change on A ends the other sessions on B (cache and sockets)', async () => {
    const ann = await register(a.app, uniqueName('pw'));
    const phone = await loginAgain(a.app, ann);
    await cachedOnB(phone);
    await cachedOnB(ann);
    const phoneWs = await WsClient.connect(b.wsUrl, phone.token);
    const res = await call(a, ann, 'POST', '/api/auth/password', { currentPassword: 'correct horse battery', newPassword: 'another long password' });
    expect(res.statusCode, res.body).toBe(204);
    expectError(await me(b, phone), 401, 'UNAUTHORIZED');
    expect((await me(b, ann)).statusCode).toBe(200);
    expect((await phoneWs.closed).code).toBe(4001);
  });

  it('sign out everywhere else on A: B refuses every other token at once', async () => {
    const ann = await register(a.app);
    const others = [await loginAgain(a.app, ann), await loginAgain(a.app, ann)];
    for (const o of others) await cachedOnB(o);
    const sockets = await Promise.all(others.map((o) => WsClient.connect(b.wsUrl, o.token)));
    const res = await call(a, ann, 'POST', '/api/auth/sessions/revoke-others');
    expect(res.json()).toEqual({ revoked: 2 });
    for (const o of others) expectError(await me(b, o), 401, 'UNAUTHORIZED');
    for (const ws of sockets) expect((await ws.closed).code).toBe(4001);
  });

  it('a profile changed on A is the author of the next message from a socket already open on B', async () => {
    const ann = await register(a.app);
    const bob = await register(a.app);
    const { room } = await createRoom(a.app, ann);
    await joinRoom(a.app, bob, room);
    await cachedOnB(ann);
    const annOnB = await WsClient.connect(b.wsUrl, ann.token);
    const bobOnA = await WsClient.connect(a.wsUrl, bob.token);
    try {
      await annOnB.subscribe(room.id);
      await bobOnA.subscribe(room.id);
      const res = await call(a, ann, 'PATCH', '/api/users/me', { displayName: 'Ann on A' });
      expect(res.json<{ user: User }>().user.displayName).toBe('Ann on A');
      // B's cached copy of the session went too: it answers with the new profile.
      expect((await me(b, ann)).json<{ user: User }>().user.displayName).toBe('Ann on A');
      const clientMsgId = uniqueName('c');
      annOnB.send({ type: 'send', roomId: room.id, clientMsgId, body: 'hello' });
      const ack = (await annOnB.next((f) => f.type === 'ack')) as unknown as { message: Message };
      expect(ack.message.author.displayName).toBe('Ann on A');
      const atBob = (await bobOnA.next((f) => f.type === 'message' && (f as { message: Message }).message.id === ack.message.id)) as unknown as { message: Message };
      expect(atBob.message.author.displayName).toBe('Ann on A');
    } finally {
      await annOnB.close();
      await bobOnA.close();
    }
  });
});
