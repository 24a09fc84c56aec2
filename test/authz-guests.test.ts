/**
 * Authorization of guests: every route and frame a guest is refused or allowed, next to a full
 * account (member) and anonymous. Guests join public rooms by id and private ones by invite,
 * read and talk like members; they cannot create rooms, upload (attachments, avatar, room image)
 * or see a private room without its code. Then the per-IP guest throttle behind TRUST_PROXY.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message, Room } from '../src/protocol.js';
import { createRoom, joinRoom, register, startServer, uniqueName, WsClient, type Account, type TestServer } from './helpers.js';
import { expectError, recorder } from './authz-helpers.js';
import { solidImage, upload } from './file-helpers.js';
import { createGuest } from './guest-helpers.js';

type Actor = 'anonymous' | 'guest' | 'member';

let server: TestServer;
const accounts = {} as Record<Exclude<Actor, 'anonymous'>, Account>;
let owner: Account;
let publicRoom: Room;
let privateRoom: Room;
let inviteCode: string;
const http = recorder(() => server.app);
const headersOf = (actor: Actor) => (actor === 'anonymous' ? {} : accounts[actor].headers);

beforeAll(async () => {
  server = await startServer({ GUEST_CREATE_PER_HOUR: '100000' });
  owner = await register(server.app);
  accounts.member = await register(server.app);
  accounts.guest = await createGuest(server.app);
  publicRoom = (await createRoom(server.app, owner)).room;
  const created = await createRoom(server.app, owner, { isPrivate: true });
  privateRoom = created.room;
  inviteCode = created.inviteCode!;
});
afterAll(async () => {
  expect(http.serverErrors()).toEqual([]);
  await server?.close();
});

describe('what a guest may not do', () => {
  it.each<[Actor, number, string | null]>([
    ['anonymous', 401, 'UNAUTHORIZED'],
    ['guest', 403, 'FORBIDDEN'],
    ['member', 201, null],
  ])('POST /api/rooms as %s -> %i', async (actor, status, code) => {
    const res = await http.inject({ method: 'POST', url: '/api/rooms', headers: headersOf(actor), payload: { name: uniqueName('r') } });
    if (code) expectError(res, status, code);
    else expect(res.statusCode, res.body).toBe(status);
  });

  it('refuses a guest attachment, avatar and room image with 403 FORBIDDEN before reading the file', async () => {
    const image = { bytes: await solidImage('png'), name: 'a.png', type: 'image/png' };
    const cases: [string, string, number][] = [
      ['POST', '/api/uploads', 201],
      ['PUT', '/api/users/me/avatar', 200],
    ];
    for (const [method, path, fullStatus] of cases) {
      const asGuest = await upload(server.url, accounts.guest, image, { method, path });
      expect(asGuest, path).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
      expect(asGuest.body.message).toMatch(/guest/i);
      expect((await upload(server.url, null, image, { method, path })).status, path).toBe(401);
      expect((await upload(server.url, accounts.member, image, { method, path })).status, path).toBe(fullStatus);
    }
    // A guest member of a room is no room staff either.
    await joinRoom(server.app, accounts.guest, publicRoom);
    const roomImage = await upload(server.url, accounts.guest, image, { method: 'PUT', path: `/api/rooms/${publicRoom.id}/image` });
    expect(roomImage).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
  });

  it('hides a private room from a guest without its invite code', async () => {
    expectError(await http.inject({ method: 'POST', url: `/api/rooms/${privateRoom.id}/join`, headers: headersOf('guest') }), 404, 'ROOM_NOT_FOUND');
    expectError(await http.inject({ url: `/api/rooms/${privateRoom.id}/messages`, headers: headersOf('guest') }), 404, 'ROOM_NOT_FOUND');
  });
});

describe('what a guest may do', () => {
  it('joins a public room by id and a private one by invite, reads and sends over HTTP', async () => {
    const guest = accounts.guest;
    expect((await http.inject({ method: 'POST', url: `/api/rooms/${publicRoom.id}/join`, headers: guest.headers })).statusCode).toBe(200);
    const join = await http.inject({ method: 'POST', url: '/api/rooms/join', headers: guest.headers, payload: { inviteCode } });
    expect(join.statusCode, join.body).toBe(200);
    for (const room of [publicRoom, privateRoom]) {
      const sent = await http.inject({ method: 'POST', url: `/api/rooms/${room.id}/messages`, headers: guest.headers, payload: { clientMsgId: `g-${room.id}`, body: 'hi' } });
      expect(sent.statusCode, sent.body).toBe(201);
      const read = await http.inject({ url: `/api/rooms/${room.id}/messages`, headers: guest.headers });
      expect(read.json<{ messages: Message[] }>().messages.some((m) => m.author.id === guest.user.id)).toBe(true);
    }
  });

  it('subscribes and sends over the WebSocket like a member, and an outsider guest is refused', async () => {
    const ws = await WsClient.connect(server.wsUrl, accounts.guest.token);
    const stranger = await createGuest(server.app);
    const strangerWs = await WsClient.connect(server.wsUrl, stranger.token);
    try {
      expect(ws.frames[0]).toMatchObject({ type: 'ready', user: { id: accounts.guest.user.id, isGuest: true } });
      expect((await ws.subscribe(privateRoom.id)).type).toBe('subscribed');
      ws.send({ type: 'send', roomId: privateRoom.id, clientMsgId: 'ws-guest', body: 'over the socket' });
      const ack = await ws.next((f) => f.type === 'ack' || f.type === 'error');
      expect(ack).toMatchObject({ type: 'ack', message: { body: 'over the socket', author: { isGuest: true } } });
      expect(await strangerWs.subscribe(privateRoom.id)).toMatchObject({ type: 'error', code: 'ROOM_NOT_FOUND' });
      expect(await strangerWs.subscribe(publicRoom.id)).toMatchObject({ type: 'error', code: 'NOT_A_MEMBER' });
    } finally {
      await ws.close();
      await strangerWs.close();
    }
  });

  it.each<[Actor, number, string | null]>([
    ['anonymous', 401, 'UNAUTHORIZED'],
    ['member', 409, 'NOT_A_GUEST'],
  ])('POST /api/auth/upgrade as %s -> %i', async (actor, status, code) => {
    const res = await http.inject({ method: 'POST', url: '/api/auth/upgrade', headers: headersOf(actor), payload: { password: 'a long password' } });
    expectError(res, status, code!);
  });

  it('creates guests from a signed-in client too (a new account; the old session is untouched)', async () => {
    const res = await http.inject({ method: 'POST', url: '/api/auth/guest', headers: headersOf('member'), payload: { username: uniqueName('g') } });
    expect(res.statusCode).toBe(201);
    expect((await http.inject({ url: '/api/auth/me', headers: headersOf('member') })).json()).toMatchObject({ user: { id: accounts.member.user.id } });
  });
});

/** A guest sign-up as the proxy forwards it. */
async function guestVia(url: string, forwardedFor: string): Promise<number> {
  const res = await fetch(`${url}/api/auth/guest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
    body: JSON.stringify({ username: uniqueName('g') }),
  });
  await res.arrayBuffer();
  return res.status;
}

describe('GUEST_CREATE_PER_HOUR per client address', () => {
  it('counts the address the trusted proxy saw, whatever the client wrote', async () => {
    const proxied = await startServer({ TRUST_PROXY: '1', GUEST_CREATE_PER_HOUR: '2' }, server.db);
    try {
      for (let i = 0; i < 2; i++) expect(await guestVia(proxied.url, `198.51.100.${i}, 203.0.113.7`)).toBe(201);
      expect(await guestVia(proxied.url, '198.51.100.9, 203.0.113.7')).toBe(429);
      expect(await guestVia(proxied.url, '198.51.100.9, 203.0.113.8')).toBe(201);
    } finally {
      await proxied.close();
    }
  });

  it('ignores X-Forwarded-For without TRUST_PROXY, and answers 429 RATE_LIMITED with retryAfterMs', async () => {
    const direct = await startServer({ GUEST_CREATE_PER_HOUR: '2' }, server.db);
    try {
      for (let i = 0; i < 2; i++) expect(await guestVia(direct.url, `198.51.100.${i}`)).toBe(201);
      expect(await guestVia(direct.url, '198.51.100.77')).toBe(429);
      const res = await direct.app.inject({ method: 'POST', url: '/api/auth/guest', payload: { username: uniqueName('g') } });
      const body = expectError(res, 429, 'RATE_LIMITED');
      expect(body.retryAfterMs).toBeGreaterThan(0);
      // Registration keeps its own budget.
      const reg = await direct.app.inject({ method: 'POST', url: '/api/auth/register', payload: { username: uniqueName(), password: 'correct horse battery' } });
      expect(reg.statusCode).toBe(201);
    } finally {
      await direct.close();
    }
  });
});
