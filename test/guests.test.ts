/**
 * Guest accounts (issue 12, "Accounts"): creation, no password login, upgrade keeping everything,
 * the slower send tier, and the inactive-guest sweep (driven by back-dating last_active_at).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Member, Message, User } from '../src/protocol.js';
import { sweepGuests } from '../src/services/guest-sweeper.js';
import { createRoom, joinRoom, postMessage, register, sleep, startServer, uniqueName, WsClient, type Account, type TestServer } from './helpers.js';
import { canRunPair, expectError, startRedisPair } from './authz-helpers.js';
import { roomLogApi } from './room-log-helpers.js';
import { backdateActivity, createGuest, userRow } from './guest-helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ GUEST_CREATE_PER_HOUR: '100000', GUEST_SEND_RATE_PER_SEC: '1', GUEST_SEND_BURST: '3' });
});
afterAll(async () => {
  await server?.close();
});

const login = (login: string, password: string) => server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { login, password } });
const upgrade = (account: Account, payload: unknown) => server.app.inject({ method: 'POST', url: '/api/auth/upgrade', headers: account.headers, payload: payload as object });
const me = async (account: Account) => server.app.inject({ url: '/api/auth/me', headers: account.headers });
const sweep = () => sweepGuests({ users: server.app.repos.users, broker: server.app.broker, ttlMs: server.config.guestTtlMs });
async function members(account: Account, roomId: string): Promise<Member[]> {
  const res = await server.app.inject({ url: `/api/rooms/${roomId}/members?limit=100`, headers: account.headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ members: Member[] }>().members;
}
async function memberCount(account: Account, roomId: string): Promise<number> {
  const res = await server.app.inject({ url: `/api/rooms/${roomId}`, headers: account.headers });
  return res.json<{ room: { memberCount: number } }>().room.memberCount;
}

describe('POST /api/auth/guest', () => {
  it('creates a password-less account with a session cookie, shown as a guest everywhere', async () => {
    const name = uniqueName('Gst');
    const res = await server.app.inject({ method: 'POST', url: '/api/auth/guest', payload: { username: name } });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json<{ user: User; token: string }>();
    expect(body.user).toMatchObject({ username: name, isGuest: true, displayName: null });
    expect(String(res.headers['set-cookie'])).toContain('rtchat_session=');
    const guest = { ...body, headers: { authorization: `Bearer ${body.token}` } };
    expect((await me(guest)).json()).toMatchObject({ user: { id: body.user.id, isGuest: true } });
    expect((await userRow(server, body.user.id)).password_hash).toBeNull();

    const owner = await register(server.app);
    const { room } = await createRoom(server.app, owner);
    await joinRoom(server.app, guest, room);
    const sent = await postMessage(server.app, guest, room.id, 'hello from a guest');
    expect(sent.author).toMatchObject({ id: body.user.id, isGuest: true });
    const history = await roomLogApi(server.app).history(owner, room.id);
    expect(history.at(-1)!.author.isGuest).toBe(true);
    expect((await members(owner, room.id)).find((m) => m.user.id === body.user.id)?.user.isGuest).toBe(true);
    expect((await members(owner, room.id)).find((m) => m.user.id === owner.user.id)?.user.isGuest).toBe(false);
  });

  it('shares username uniqueness with full accounts, in both directions and any case', async () => {
    const taken = await register(server.app, uniqueName('Full'));
    const res = await server.app.inject({ method: 'POST', url: '/api/auth/guest', payload: { username: taken.user.username.toLowerCase() } });
    expectError(res, 409, 'USERNAME_TAKEN');
    const guest = await createGuest(server.app, uniqueName('Gx'));
    const again = await server.app.inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { username: guest.user.username.toUpperCase(), password: 'correct horse battery' },
    });
    expectError(again, 409, 'USERNAME_TAKEN');
  });

  it('never logs a guest in by password, whatever the password', async () => {
    const guest = await createGuest(server.app);
    for (const password of ['x', 'correct horse battery', 'null']) expectError(await login(guest.user.username, password), 401, 'INVALID_CREDENTIALS');
  });
});

describe('the guest send tier', () => {
  it('refuses a burst above GUEST_SEND_BURST that a full account may send', async () => {
    const owner = await register(server.app);
    const guest = await createGuest(server.app);
    const { room } = await createRoom(server.app, owner);
    await joinRoom(server.app, guest, room);
    const burst = (account: Account) =>
      Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          server.app.inject({ method: 'POST', url: `/api/rooms/${room.id}/messages`, headers: account.headers, payload: { clientMsgId: `b${i}`, body: `m${i}` } }),
        ),
      );
    const guestStatuses = (await burst(guest)).map((r) => r.statusCode);
    expect(guestStatuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(guestStatuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(3);
    expect((await burst(owner)).map((r) => r.statusCode)).toEqual(Array(8).fill(201));
  });
});

describe('POST /api/auth/upgrade', () => {
  it('makes a guest a full account keeping its id, rooms, messages and session; it can then log in', async () => {
    const owner = await register(server.app);
    const guest = await createGuest(server.app);
    const { room: open } = await createRoom(server.app, owner);
    const { room: closed, inviteCode } = await createRoom(server.app, owner, { isPrivate: true });
    await joinRoom(server.app, guest, open);
    await joinRoom(server.app, guest, closed, inviteCode);
    const before = await postMessage(server.app, guest, closed.id, 'before upgrade');

    const res = await upgrade(guest, { password: 'a new long password', email: 'Upgraded.Guest@Example.com' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ user: User }>().user).toMatchObject({ id: guest.user.id, username: guest.user.username, isGuest: false });
    expect((await me(guest)).json()).toMatchObject({ user: { isGuest: false } }); // same session
    expect((await userRow(server, guest.user.id)).email).toBe('upgraded.guest@example.com');

    const joined = await server.app.inject({ url: '/api/rooms/joined', headers: guest.headers });
    expect(joined.json<{ rooms: { id: string }[] }>().rooms.map((r) => r.id).sort()).toEqual([open.id, closed.id].sort());
    const history = await roomLogApi(server.app).history(owner, closed.id);
    expect(history.find((m) => m.id === before.id)?.author).toMatchObject({ id: guest.user.id, isGuest: false });

    expect((await login(guest.user.username, 'a new long password')).statusCode).toBe(200);
    expect((await login('upgraded.guest@example.com', 'a new long password')).statusCode).toBe(200);
    // A full account now: it may create rooms.
    expect((await createRoom(server.app, guest)).room.ownerId).toBe(guest.user.id);
  });

  it('answers 409 NOT_A_GUEST to a full account and to a second upgrade', async () => {
    const full = await register(server.app);
    expectError(await upgrade(full, { password: 'another long password' }), 409, 'NOT_A_GUEST');
    const guest = await createGuest(server.app);
    const [a, b] = await Promise.all([upgrade(guest, { password: 'first long password' }), upgrade(guest, { password: 'second long password' })]);
    expect([a!.statusCode, b!.statusCode].sort()).toEqual([200, 409]);
    expect((await login(guest.user.username, a!.statusCode === 200 ? 'first long password' : 'second long password')).statusCode).toBe(200);
  });

  it('refuses an email another account has (409 EMAIL_TAKEN) and leaves the guest a guest', async () => {
    const email = `${uniqueName('e')}@example.com`;
    const res = await server.app.inject({ method: 'POST', url: '/api/auth/register', payload: { username: uniqueName(), password: 'correct horse battery', email } });
    expect(res.statusCode).toBe(201);
    const guest = await createGuest(server.app);
    expectError(await upgrade(guest, { password: 'a new long password', email: email.toUpperCase() }), 409, 'EMAIL_TAKEN');
    expect((await me(guest)).json()).toMatchObject({ user: { isGuest: true } });
  });

  it('changes the User an open socket sends as, without reconnecting', async () => {
    const owner = await register(server.app);
    const guest = await createGuest(server.app);
    const { room } = await createRoom(server.app, owner);
    await joinRoom(server.app, guest, room);
    const ws = await WsClient.connect(server.wsUrl, guest.token);
    const watcher = await WsClient.connect(server.wsUrl, owner.token);
    try {
      await ws.subscribe(room.id);
      await watcher.subscribe(room.id);
      ws.send({ type: 'send', roomId: room.id, clientMsgId: 'as-guest', body: 'one' });
      const first = await watcher.next((f) => f.type === 'message');
      expect((first as unknown as { message: Message }).message.author.isGuest).toBe(true);
      expect((await upgrade(guest, { password: 'a new long password' })).statusCode).toBe(200);
      ws.send({ type: 'send', roomId: room.id, clientMsgId: 'as-full', body: 'two' });
      const second = await watcher.next((f) => f.type === 'message');
      expect((second as unknown as { message: Message }).message.author).toMatchObject({ id: guest.user.id, isGuest: false });
    } finally {
      await ws.close();
      await watcher.close();
    }
  });
});

describe('the inactive-guest sweep', () => {
  it('anonymises guests idle past GUEST_TTL_DAYS, ends their sessions and memberships, keeps their messages', async () => {
    await sweep(); // what earlier tests left
    const owner = await register(server.app);
    const idle = await createGuest(server.app);
    const active = await createGuest(server.app);
    const oldFull = await register(server.app);
    const { room } = await createRoom(server.app, owner);
    for (const a of [idle, active, oldFull]) await joinRoom(server.app, a, room);
    const api = roomLogApi(server.app);
    const said = await postMessage(server.app, idle, room.id, `hi @${owner.user.username}`);
    const reply = await api.post(owner, room.id, 'replying', { replyToId: said.id });
    expect(reply.statusCode).toBe(201);
    expect((await api.react(idle, room.id, said.id, '👍')).statusCode).toBeLessThan(300);
    const socket = await WsClient.connect(server.wsUrl, idle.token);
    const watcher = await WsClient.connect(server.wsUrl, owner.token);
    await watcher.subscribe(room.id);
    expect(await memberCount(owner, room.id)).toBe(4);

    await backdateActivity(server, idle.user.id, 31);
    await backdateActivity(server, active.user.id, 29);
    await backdateActivity(server, oldFull.user.id, 400);
    expect(await sweep()).toBe(1);

    const row = await userRow(server, idle.user.id);
    expect(row.username).toMatch(/^deleted-guest-[0-9a-f]{12}$/);
    expect(row.deleted_at).not.toBeNull();
    expect((await socket.closed).code).toBe(4001);
    expectError(await me(idle), 401, 'UNAUTHORIZED');
    const left = await watcher.next((f) => f.type === 'member' && f.action === 'left');
    expect((left as unknown as { user: User }).user.username).toBe(row.username);
    expect(await memberCount(owner, room.id)).toBe(3);
    expect((await members(owner, room.id)).map((m) => m.user.id).sort()).toEqual([owner.user.id, active.user.id, oldFull.user.id].sort());

    const history = await api.history(owner, room.id);
    const kept = history.find((m) => m.id === said.id)!;
    expect(kept).toMatchObject({ body: `hi @${owner.user.username}`, author: { id: idle.user.id, username: row.username, isGuest: true } });
    expect(kept.mentions).toEqual([owner.user.id]);
    expect(kept.reactions).toEqual([{ emoji: '👍', count: 1, userIds: [idle.user.id] }]);
    expect(history.find((m) => m.id === reply.json<{ message: Message }>().message.id)?.replyTo?.author.username).toBe(row.username);

    // The others stay; the name is free again; a second sweep finds nothing.
    expect((await me(active)).statusCode).toBe(200);
    expect((await me(oldFull)).statusCode).toBe(200);
    expect((await createGuest(server.app, idle.user.username)).user.id).not.toBe(idle.user.id);
    expect(await sweep()).toBe(0);
    await watcher.close();
  });

  it('removes each guest once when several instances sweep at the same time', async () => {
    const owner = await register(server.app);
    const { room } = await createRoom(server.app, owner);
    const guests = await Promise.all(Array.from({ length: 6 }, () => createGuest(server.app)));
    for (const g of guests) {
      await joinRoom(server.app, g, room);
      await backdateActivity(server, g.user.id, 45);
    }
    const removed = await Promise.all([sweep(), sweep(), sweep()]);
    expect(removed.reduce((a, b) => a + b, 0)).toBe(6);
    expect(await memberCount(owner, room.id)).toBe(1);
  });

  it('counts requests as activity, written at most once an hour', async () => {
    const guest = await createGuest(server.app);
    await backdateActivity(server, guest.user.id, 40);
    await me(guest);
    const touched = (await userRow(server, guest.user.id)).last_active_at.getTime();
    expect(Date.now() - touched).toBeLessThan(60_000);
    expect(await sweep()).toBe(0);
    await server.db.database.rows(sql`UPDATE users SET last_active_at = now() - interval '10 minutes' WHERE id = ${guest.user.id}::uuid`);
    const tenMinutesAgo = (await userRow(server, guest.user.id)).last_active_at.getTime();
    await me(guest);
    expect((await userRow(server, guest.user.id)).last_active_at.getTime()).toBe(tenMinutesAgo);
  });
});

describe.skipIf(!canRunPair)('an upgrade on one instance', () => {
  it('changes the User the guest’s sockets on another instance send as', async () => {
    const pair = await startRedisPair();
    try {
      const owner = await register(pair.a.app);
      const guest = await createGuest(pair.a.app);
      const { room } = await createRoom(pair.a.app, owner);
      await joinRoom(pair.a.app, guest, room);
      const ws = await WsClient.connect(pair.b.wsUrl, guest.token);
      await ws.subscribe(room.id);
      const res = await pair.a.app.inject({ method: 'POST', url: '/api/auth/upgrade', headers: guest.headers, payload: { password: 'a new long password' } });
      expect(res.statusCode).toBe(200);
      // The bus is asynchronous: send until a message goes out as the full account.
      let author: User | null = null;
      for (let i = 0; i < 50; i++) {
        ws.send({ type: 'send', roomId: room.id, clientMsgId: `x${i}`, body: `n${i}` });
        const ack = await ws.next((f) => f.type === 'ack' || f.type === 'error');
        author = (ack as unknown as { message?: Message }).message?.author ?? null;
        if (author && !author.isGuest) break;
        await sleep(50);
      }
      expect(author).toMatchObject({ id: guest.user.id, isGuest: false });
      await ws.close();
    } finally {
      await pair.close();
    }
  });
});
