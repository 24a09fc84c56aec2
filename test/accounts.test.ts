/**
 * Accounts on one instance: display names (stored, in history, on already-open sockets), password
 * change (other sessions and their sockets end), the sessions list, signing a session out, signing
 * out everywhere else, the session cache (a revoked token is refused at once) and last-seen times
 * written in batches, not per request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Message, User } from '../src/protocol.js';
import { createRoom, joinRoom, register, startServer, uniqueName, WsClient, type Account, type TestServer } from './helpers.js';
import { expectError, loginAgain } from './authz-helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ SEND_RATE_PER_SEC: '1000', SEND_BURST: '1000' });
});
afterAll(() => server?.close());

interface SessionView {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  userAgent: string | null;
  current: boolean;
}

async function sessionsOf(account: Account): Promise<SessionView[]> {
  const res = await server.app.inject({ url: '/api/auth/sessions', headers: account.headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ sessions: SessionView[] }>().sessions;
}

const me = (account: Account) => server.app.inject({ url: '/api/auth/me', headers: account.headers });
const patchMe = (account: Account, payload: unknown) => server.app.inject({ method: 'PATCH', url: '/api/users/me', headers: account.headers, payload: payload as object });

async function sendOn(ws: WsClient, roomId: string, body: string): Promise<Message> {
  const clientMsgId = uniqueName('c');
  ws.send({ type: 'send', roomId, clientMsgId, body });
  const ack = (await ws.next((f) => f.type === 'ack' && (f as { clientMsgId?: string }).clientMsgId === clientMsgId)) as unknown as { message: Message };
  return ack.message;
}

describe('display names', () => {
  it('sets, shows, normalizes and clears a display name', async () => {
    const ann = await register(server.app);
    const set = await patchMe(ann, { displayName: '  Ann   Lee ' });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json<{ user: User }>().user).toMatchObject({ id: ann.user.id, username: ann.user.username, displayName: 'Ann Lee' });
    expect((await me(ann)).json<{ user: User }>().user.displayName).toBe('Ann Lee');
    const other = await register(server.app);
    const seen = await server.app.inject({ url: `/api/users/${ann.user.id}`, headers: other.headers });
    expect(seen.statusCode).toBe(200);
    expect(seen.json<{ user: User }>().user.displayName).toBe('Ann Lee');
    // Compatibility forms fold (NFKC), like room names.
    expect((await patchMe(ann, { displayName: 'Ａｎｎ' })).json<{ user: User }>().user.displayName).toBe('Ann');
    // An empty body changes nothing.
    expect((await patchMe(ann, {})).json<{ user: User }>().user.displayName).toBe('Ann');
    const cleared = await patchMe(ann, { displayName: null });
    expect(cleared.json<{ user: User }>().user.displayName).toBeNull();
    expect((await me(ann)).json<{ user: User }>().user.displayName).toBeNull();
  });

  it('accepts 48 characters (emoji count as one) and refuses 49', async () => {
    const ann = await register(server.app);
    const ok = await patchMe(ann, { displayName: '😀'.repeat(48) });
    expect(ok.statusCode, ok.body).toBe(200);
    expectError(await patchMe(ann, { displayName: 'a'.repeat(49) }), 400, 'VALIDATION');
  });

  it('messages carry the new profile, in history and on a socket opened before the change', async () => {
    const ann = await register(server.app);
    const bob = await register(server.app);
    const { room } = await createRoom(server.app, ann);
    await joinRoom(server.app, bob, room);
    const annWs = await WsClient.connect(server.wsUrl, ann.token);
    const bobWs = await WsClient.connect(server.wsUrl, bob.token);
    try {
      await annWs.subscribe(room.id);
      await bobWs.subscribe(room.id);
      const before = await sendOn(annWs, room.id, 'before');
      expect(before.author.displayName).toBeNull();
      expect((await patchMe(ann, { displayName: 'Annie' })).statusCode).toBe(200);
      const after = await sendOn(annWs, room.id, 'after');
      expect(after.author.displayName).toBe('Annie');
      const atBob = (await bobWs.next((f) => f.type === 'message' && (f as { message: Message }).message.id === after.id)) as unknown as { message: Message };
      expect(atBob.message.author.displayName).toBe('Annie');
      const history = await server.app.inject({ url: `/api/rooms/${room.id}/messages`, headers: bob.headers });
      const authors = history.json<{ messages: Message[] }>().messages.map((m) => m.author.displayName);
      // History reads the author's current profile for every message.
      expect(authors).toEqual(['Annie', 'Annie']);
    } finally {
      await annWs.close();
      await bobWs.close();
    }
  });
});

describe('password change', () => {
  it('keeps this session, ends every other one (sockets close with 4001) and takes the new password', async () => {
    const ann = await register(server.app, uniqueName('pw'));
    const phone = await loginAgain(server.app, ann);
    const phoneWs = await WsClient.connect(server.wsUrl, phone.token);
    const hereWs = await WsClient.connect(server.wsUrl, ann.token);
    try {
      const res = await server.app.inject({
        method: 'POST',
        url: '/api/auth/password',
        headers: ann.headers,
        payload: { currentPassword: 'correct horse battery', newPassword: 'a new and long password' },
      });
      expect(res.statusCode, res.body).toBe(204);
      expect((await phoneWs.closed).code).toBe(4001);
      expectError(await me(phone), 401, 'UNAUTHORIZED');
      expect((await me(ann)).statusCode).toBe(200);
      expect(hereWs.socket.readyState).toBe(hereWs.socket.OPEN);
      const old = await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { login: ann.user.username, password: 'correct horse battery' } });
      expectError(old, 401, 'INVALID_CREDENTIALS');
      const fresh = await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { login: ann.user.username, password: 'a new and long password' } });
      expect(fresh.statusCode).toBe(200);
    } finally {
      await phoneWs.close();
      await hereWs.close();
    }
  });

  it('refuses a wrong current password with 403, changing nothing, and throttles guessing', async () => {
    const ann = await register(server.app, uniqueName('pw'));
    const phone = await loginAgain(server.app, ann);
    const wrong = () =>
      server.app.inject({ method: 'POST', url: '/api/auth/password', headers: ann.headers, payload: { currentPassword: 'not it at all', newPassword: 'whatever else 123' } });
    expectError(await wrong(), 403, 'INVALID_CREDENTIALS');
    expect((await me(phone)).statusCode).toBe(200);
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) codes.push((await wrong()).statusCode);
    expect(codes).toContain(429);
  });
});

describe('sessions', () => {
  it('lists the sessions with their user agent, the current one first and marked', async () => {
    const ann = await register(server.app);
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64)\u0007 Firefox/128.0' + 'x'.repeat(400) },
      payload: { login: ann.user.username, password: 'correct horse battery' },
    });
    const second = { token: res.json<{ token: string }>().token, headers: { authorization: `Bearer ${res.json<{ token: string }>().token}` } } as Account;
    const list = await sessionsOf(second);
    expect(list).toHaveLength(2);
    expect(list[0]!.current).toBe(true);
    expect(list[1]!.current).toBe(false);
    expect(list[0]!.userAgent!.startsWith('Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0')).toBe(true);
    expect([...list[0]!.userAgent!]).toHaveLength(256);
    expect((await sessionsOf(ann)).find((s) => s.current)!.id).toBe(list[1]!.id);
  });

  it('signs one session out: its token is refused at once and its socket closes with 4001', async () => {
    const ann = await register(server.app);
    const laptop = await loginAgain(server.app, ann);
    // Cached by a request first, so the refusal below proves eviction, not a cache miss.
    expect((await me(laptop)).statusCode).toBe(200);
    const laptopWs = await WsClient.connect(server.wsUrl, laptop.token);
    const laptopId = (await sessionsOf(laptop)).find((s) => s.current)!.id;
    const res = await server.app.inject({ method: 'DELETE', url: `/api/auth/sessions/${laptopId}`, headers: ann.headers });
    expect(res.statusCode, res.body).toBe(204);
    expectError(await me(laptop), 401, 'UNAUTHORIZED');
    expect((await laptopWs.closed).code).toBe(4001);
    expect((await sessionsOf(ann)).map((s) => s.id)).not.toContain(laptopId);
  });

  it("another user's session is 404 and stays alive", async () => {
    const ann = await register(server.app);
    const bob = await register(server.app);
    const bobId = (await sessionsOf(bob))[0]!.id;
    expectError(await server.app.inject({ method: 'DELETE', url: `/api/auth/sessions/${bobId}`, headers: ann.headers }), 404, 'SESSION_NOT_FOUND');
    expect((await me(bob)).statusCode).toBe(200);
  });

  it('deleting the current session is a logout', async () => {
    const ann = await register(server.app);
    const id = (await sessionsOf(ann))[0]!.id;
    const res = await server.app.inject({ method: 'DELETE', url: `/api/auth/sessions/${id}`, headers: ann.headers });
    expect(res.statusCode).toBe(204);
    expect(String(res.headers['set-cookie'])).toContain('rtchat_session=;');
    expectError(await me(ann), 401, 'UNAUTHORIZED');
  });

  it('signs out everywhere else, keeping this session', async () => {
    const ann = await register(server.app);
    const others = [await loginAgain(server.app, ann), await loginAgain(server.app, ann)];
    for (const o of others) expect((await me(o)).statusCode).toBe(200);
    const sockets = await Promise.all(others.map((o) => WsClient.connect(server.wsUrl, o.token)));
    const res = await server.app.inject({ method: 'POST', url: '/api/auth/sessions/revoke-others', headers: ann.headers });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ revoked: 2 });
    for (const o of others) expectError(await me(o), 401, 'UNAUTHORIZED');
    for (const ws of sockets) expect((await ws.closed).code).toBe(4001);
    expect((await sessionsOf(ann)).map((s) => s.current)).toEqual([true]);
    const again = await server.app.inject({ method: 'POST', url: '/api/auth/sessions/revoke-others', headers: ann.headers });
    expect(again.json()).toEqual({ revoked: 0 });
  });

  it('logout is refused at once although the session was cached', async () => {
    const ann = await register(server.app);
    const hitsBefore = server.app.sessionCache.hits;
    expect((await me(ann)).statusCode).toBe(200);
    expect((await me(ann)).statusCode).toBe(200);
    expect(server.app.sessionCache.hits).toBeGreaterThan(hitsBefore);
    expect((await server.app.inject({ method: 'POST', url: '/api/auth/logout', headers: ann.headers })).statusCode).toBe(204);
    expectError(await me(ann), 401, 'UNAUTHORIZED');
  });

  it('a cold cache reads the sessions of requests arriving together in one or two queries, each request answered as its own', async () => {
    const people = await Promise.all(Array.from({ length: 6 }, () => register(server.app)));
    const gone = await register(server.app);
    expect((await server.app.inject({ method: 'POST', url: '/api/auth/logout', headers: gone.headers })).statusCode).toBe(204);
    server.app.sessionCache.clear();
    const users = server.app.repos.users;
    const real = users.findSessions;
    const reads: number[] = [];
    users.findSessions = (ids) => (reads.push(ids.length), real(ids));
    try {
      const answers = await Promise.all([...people, gone].map((p) => me(p)));
      expect(answers.slice(0, 6).map((r) => r.json().user.id)).toEqual(people.map((p) => p.user.id));
      expectError(answers[6]!, 401, 'UNAUTHORIZED');
      expect(reads.reduce((a, b) => a + b, 0)).toBe(7);
      expect(reads.length).toBeLessThanOrEqual(2); // the first at the end of its turn, the rest at the pace
    } finally {
      users.findSessions = real;
    }
  });
});

describe('last seen', () => {
  it('is noted in memory per request and written in one statement per flush, never moving back', async () => {
    const ann = await register(server.app);
    await server.app.sessionActivity.flush();
    const id = (await sessionsOf(ann))[0]!.id;
    const stored = async () =>
      (await server.db.database.rows<{ at: Date | string }>(sql`SELECT last_seen_at AS at FROM sessions WHERE id = ${id}::uuid`))[0]!.at;
    const before = new Date(await stored()).getTime();
    const flushes = server.app.sessionActivity.flushes;
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 20; i++) expect((await me(ann)).statusCode).toBe(200);
    // Twenty requests, no write yet: the stored value has not moved, no flush ran.
    expect(new Date(await stored()).getTime()).toBe(before);
    expect(server.app.sessionActivity.flushes).toBe(flushes);
    // The owner sees the noted time already.
    const listed = new Date((await sessionsOf(ann))[0]!.lastSeenAt).getTime();
    expect(listed).toBeGreaterThan(before);
    await server.app.sessionActivity.flush();
    expect(server.app.sessionActivity.flushes).toBe(flushes + 1);
    const after = new Date(await stored()).getTime();
    expect(after).toBeGreaterThan(before);
    // An older time never overwrites a newer one.
    expect(await server.app.repos.users.touchSessions([{ id, at: new Date(before) }])).toBe(0);
    expect(new Date(await stored()).getTime()).toBe(after);
  });
});
