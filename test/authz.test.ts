/**
 * Authorization: who may do what, over every HTTP route and every client WebSocket frame of the
 * contract, for a public and a private room and four actors (anonymous, outsider = signed in but
 * not a member, member, owner). Then the rules around it: private rooms stay invisible, invite
 * codes, throttles, registration conflicts, logout, Origin checks and ownership transfer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import type { Message, Room, User } from '../src/protocol.js';
import {
  createRoom,
  joinRoom,
  postMessage,
  register,
  startServer,
  uniqueName,
  upgradeStatus,
  WsClient,
  type Account,
  type TestServer,
} from './helpers.js';
import { barrier, errorsFor, expectError, isOpen, loginAgain, NO_SUCH_ROOM, recorder } from './authz-helpers.js';
import { solidImage, upload, uploadOk } from './file-helpers.js';

type Actor = 'anonymous' | 'outsider' | 'member' | 'owner';
type Kind = 'public' | 'private';
type Signed = Exclude<Actor, 'anonymous'>;

const ALLOWED_ORIGIN = 'https://chat.example.com';
const FOREIGN_ORIGIN = 'https://evil.example';

let server: TestServer;
const accounts = {} as Record<Signed, Account>;
/** A room only the outsider belongs to (for clientMsgId reuse across rooms). */
let outsiderOwnRoom: Room;
const http = recorder(() => server.app);

beforeAll(async () => {
  server = await startServer({
    ALLOWED_ORIGINS: ALLOWED_ORIGIN,
    // The matrix joins many rooms by invite and sends from the same accounts; the throttles have
    // their own suite below with the contract's defaults.
    INVITE_PER_MINUTE: '100000',
    SEND_RATE_PER_SEC: '100000',
    SEND_BURST: '100000',
  });
  accounts.owner = await register(server.app, uniqueName('owner'));
  accounts.member = await register(server.app, uniqueName('member'));
  accounts.outsider = await register(server.app, uniqueName('outsider'));
  outsiderOwnRoom = (await createRoom(server.app, accounts.outsider)).room;
});
afterAll(() => server?.close());

interface Fixture {
  room: Room;
  inviteCode: string | undefined;
}

/** A new room of the given kind, owned by `owner`, with `member` joined (by invite if private). */
async function freshRoom(kind: Kind): Promise<Fixture> {
  const { room, inviteCode } = await createRoom(server.app, accounts.owner, { isPrivate: kind === 'private' });
  await joinRoom(server.app, accounts.member, room, inviteCode);
  return { room, inviteCode };
}

const headersOf = (actor: Actor): Record<string, string> => (actor === 'anonymous' ? {} : accounts[actor].headers);

async function joinedRoomIds(account: Account): Promise<string[]> {
  const res = await server.app.inject({ url: '/api/rooms/joined', headers: account.headers });
  expect(res.statusCode).toBe(200);
  return res.json<{ rooms: Room[] }>().rooms.map((r) => r.id);
}

async function roomAs(account: Account, roomId: string): Promise<{ room: Room; inviteCode?: string }> {
  const res = await server.app.inject({ url: `/api/rooms/${roomId}`, headers: account.headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

// ---------------------------------------------------------------------------------------------
// HTTP matrix
// ---------------------------------------------------------------------------------------------

const ROOM_ROUTES = {
  'GET /api/rooms/:roomId': (f: Fixture): InjectOptions => ({ method: 'GET', url: `/api/rooms/${f.room.id}` }),
  'POST /api/rooms/:roomId/join': (f: Fixture): InjectOptions => ({ method: 'POST', url: `/api/rooms/${f.room.id}/join` }),
  'POST /api/rooms/join {inviteCode}': (f: Fixture): InjectOptions => ({
    method: 'POST',
    url: '/api/rooms/join',
    payload: { inviteCode: f.inviteCode },
  }),
  'POST /api/rooms/:roomId/leave': (f: Fixture): InjectOptions => ({ method: 'POST', url: `/api/rooms/${f.room.id}/leave` }),
  'GET /api/rooms/:roomId/members': (f: Fixture): InjectOptions => ({ method: 'GET', url: `/api/rooms/${f.room.id}/members` }),
  'GET /api/rooms/:roomId/messages': (f: Fixture): InjectOptions => ({ method: 'GET', url: `/api/rooms/${f.room.id}/messages` }),
  'POST /api/rooms/:roomId/messages': (f: Fixture): InjectOptions => ({
    method: 'POST',
    url: `/api/rooms/${f.room.id}/messages`,
    payload: { clientMsgId: randomUUID(), body: 'hello' },
  }),
  'POST /api/rooms/:roomId/read': (f: Fixture): InjectOptions => ({
    method: 'POST',
    url: `/api/rooms/${f.room.id}/read`,
    payload: { seq: 0 },
  }),
} as const;
type RoomRoute = keyof typeof ROOM_ROUTES;

type Expected = [status: number, code: string | null];
const OK200: Expected = [200, null];
const OK201: Expected = [201, null];
const OK204: Expected = [204, null];
const UNAUTHORIZED: Expected = [401, 'UNAUTHORIZED'];
const NOT_A_MEMBER: Expected = [403, 'NOT_A_MEMBER'];
const HIDDEN: Expected = [404, 'ROOM_NOT_FOUND'];

// One row per route x room x actor. (Join by invite exists for private rooms only: a public room's
// invite code is never shown to anyone.)
// prettier-ignore
const HTTP_MATRIX: [RoomRoute, Kind, Actor, Expected][] = [
  ['GET /api/rooms/:roomId',              'public',  'anonymous', UNAUTHORIZED],
  ['GET /api/rooms/:roomId',              'public',  'outsider',  OK200],
  ['GET /api/rooms/:roomId',              'public',  'member',    OK200],
  ['GET /api/rooms/:roomId',              'public',  'owner',     OK200],
  ['GET /api/rooms/:roomId',              'private', 'anonymous', UNAUTHORIZED],
  ['GET /api/rooms/:roomId',              'private', 'outsider',  HIDDEN],
  ['GET /api/rooms/:roomId',              'private', 'member',    OK200],
  ['GET /api/rooms/:roomId',              'private', 'owner',     OK200],

  ['POST /api/rooms/:roomId/join',        'public',  'anonymous', UNAUTHORIZED],
  ['POST /api/rooms/:roomId/join',        'public',  'outsider',  OK200],
  ['POST /api/rooms/:roomId/join',        'public',  'member',    OK200],
  ['POST /api/rooms/:roomId/join',        'public',  'owner',     OK200],
  ['POST /api/rooms/:roomId/join',        'private', 'anonymous', UNAUTHORIZED],
  ['POST /api/rooms/:roomId/join',        'private', 'outsider',  HIDDEN],
  ['POST /api/rooms/:roomId/join',        'private', 'member',    OK200],
  ['POST /api/rooms/:roomId/join',        'private', 'owner',     OK200],

  ['POST /api/rooms/join {inviteCode}',   'private', 'anonymous', UNAUTHORIZED],
  ['POST /api/rooms/join {inviteCode}',   'private', 'outsider',  OK200],
  ['POST /api/rooms/join {inviteCode}',   'private', 'member',    OK200],
  ['POST /api/rooms/join {inviteCode}',   'private', 'owner',     OK200],

  ['POST /api/rooms/:roomId/leave',       'public',  'anonymous', UNAUTHORIZED],
  ['POST /api/rooms/:roomId/leave',       'public',  'outsider',  [404, 'NOT_A_MEMBER']],
  ['POST /api/rooms/:roomId/leave',       'public',  'member',    OK204],
  ['POST /api/rooms/:roomId/leave',       'public',  'owner',     OK204],
  ['POST /api/rooms/:roomId/leave',       'private', 'anonymous', UNAUTHORIZED],
  ['POST /api/rooms/:roomId/leave',       'private', 'outsider',  HIDDEN],
  ['POST /api/rooms/:roomId/leave',       'private', 'member',    OK204],
  ['POST /api/rooms/:roomId/leave',       'private', 'owner',     OK204],

  ['GET /api/rooms/:roomId/members',      'public',  'anonymous', UNAUTHORIZED],
  ['GET /api/rooms/:roomId/members',      'public',  'outsider',  NOT_A_MEMBER],
  ['GET /api/rooms/:roomId/members',      'public',  'member',    OK200],
  ['GET /api/rooms/:roomId/members',      'public',  'owner',     OK200],
  ['GET /api/rooms/:roomId/members',      'private', 'anonymous', UNAUTHORIZED],
  ['GET /api/rooms/:roomId/members',      'private', 'outsider',  HIDDEN],
  ['GET /api/rooms/:roomId/members',      'private', 'member',    OK200],
  ['GET /api/rooms/:roomId/members',      'private', 'owner',     OK200],

  ['GET /api/rooms/:roomId/messages',     'public',  'anonymous', UNAUTHORIZED],
  ['GET /api/rooms/:roomId/messages',     'public',  'outsider',  NOT_A_MEMBER],
  ['GET /api/rooms/:roomId/messages',     'public',  'member',    OK200],
  ['GET /api/rooms/:roomId/messages',     'public',  'owner',     OK200],
  ['GET /api/rooms/:roomId/messages',     'private', 'anonymous', UNAUTHORIZED],
  ['GET /api/rooms/:roomId/messages',     'private', 'outsider',  HIDDEN],
  ['GET /api/rooms/:roomId/messages',     'private', 'member',    OK200],
  ['GET /api/rooms/:roomId/messages',     'private', 'owner',     OK200],

  ['POST /api/rooms/:roomId/messages',    'public',  'anonymous', UNAUTHORIZED],
  ['POST /api/rooms/:roomId/messages',    'public',  'outsider',  NOT_A_MEMBER],
  ['POST /api/rooms/:roomId/messages',    'public',  'member',    OK201],
  ['POST /api/rooms/:roomId/messages',    'public',  'owner',     OK201],
  ['POST /api/rooms/:roomId/messages',    'private', 'anonymous', UNAUTHORIZED],
  ['POST /api/rooms/:roomId/messages',    'private', 'outsider',  HIDDEN],
  ['POST /api/rooms/:roomId/messages',    'private', 'member',    OK201],
  ['POST /api/rooms/:roomId/messages',    'private', 'owner',     OK201],

  ['POST /api/rooms/:roomId/read',        'public',  'anonymous', UNAUTHORIZED],
  ['POST /api/rooms/:roomId/read',        'public',  'outsider',  NOT_A_MEMBER],
  ['POST /api/rooms/:roomId/read',        'public',  'member',    OK204],
  ['POST /api/rooms/:roomId/read',        'public',  'owner',     OK204],
  ['POST /api/rooms/:roomId/read',        'private', 'anonymous', UNAUTHORIZED],
  ['POST /api/rooms/:roomId/read',        'private', 'outsider',  HIDDEN],
  ['POST /api/rooms/:roomId/read',        'private', 'member',    OK204],
  ['POST /api/rooms/:roomId/read',        'private', 'owner',     OK204],
];

/** Whether the actor should belong to the room after the request. */
function memberAfter(route: RoomRoute, actor: Signed, ok: boolean): boolean {
  const before = actor !== 'outsider';
  if (!ok) return before;
  if (route === 'POST /api/rooms/:roomId/join' || route === 'POST /api/rooms/join {inviteCode}') return true;
  if (route === 'POST /api/rooms/:roomId/leave') return false;
  return before;
}

describe('HTTP authorization matrix', () => {
  it.each(HTTP_MATRIX)('%s | %s room | %s -> %j', async (route, kind, actor, [status, code]) => {
    const fixture = await freshRoom(kind);
    const request = ROOM_ROUTES[route](fixture);
    const res = await http.inject({ ...request, headers: headersOf(actor) });
    if (code) expectError(res, status, code);
    else expect(res.statusCode, res.body).toBe(status);
    if (actor === 'anonymous') return;

    // Side effects: membership moves only when the request succeeded and meant it to.
    const account = accounts[actor];
    expect((await joinedRoomIds(account)).includes(fixture.room.id)).toBe(memberAfter(route, actor, !code));

    const body = res.body ? res.json<Record<string, unknown>>() : {};
    switch (route) {
      case 'GET /api/rooms/:roomId':
        if (!code) {
          expect((body.room as Room).id).toBe(fixture.room.id);
          // The invite code is for members of a private room, and only them.
          if (kind === 'private') expect(body.inviteCode).toBe(fixture.inviteCode);
          else expect(body).not.toHaveProperty('inviteCode');
        } else {
          expect(res.body).not.toContain(fixture.room.name);
        }
        break;
      case 'POST /api/rooms/:roomId/join':
      case 'POST /api/rooms/join {inviteCode}':
        if (!code) {
          expect((body.room as Room).id).toBe(fixture.room.id);
          expect((body.room as Room).memberCount).toBe(actor === 'outsider' ? 3 : 2);
          expect(body).not.toHaveProperty('inviteCode');
        }
        break;
      case 'POST /api/rooms/:roomId/leave':
        if (!code && actor === 'owner') {
          // The owner left: the longest-standing remaining member (here the only one) owns it now.
          const { room } = await roomAs(accounts.member, fixture.room.id);
          expect(room.ownerId).toBe(accounts.member.user.id);
          expect(room.memberCount).toBe(1);
        }
        break;
      case 'GET /api/rooms/:roomId/members':
        if (!code) {
          const members = (body.members as { user: User; role: string }[]).map((m) => [m.user.id, m.role]);
          expect(members).toEqual([
            [accounts.owner.user.id, 'owner'],
            [accounts.member.user.id, 'member'],
          ]);
        }
        break;
      case 'GET /api/rooms/:roomId/messages':
        if (!code) expect(body).toEqual({ messages: [], hasMore: false });
        break;
      case 'POST /api/rooms/:roomId/messages': {
        // Stored only when allowed.
        const { room } = await roomAs(accounts.owner, fixture.room.id);
        expect(room.lastSeq).toBe(code ? 0 : 1);
        if (!code) {
          const message = body.message as Message;
          expect(message.roomId).toBe(fixture.room.id);
          expect(message.author.id).toBe(accounts[actor].user.id);
        }
        break;
      }
      case 'POST /api/rooms/:roomId/read':
        break;
    }
  });

  // A private room a stranger may not see must look exactly like a room that does not exist.
  it.each(Object.keys(ROOM_ROUTES).filter((r) => r.includes(':roomId')) as RoomRoute[])(
    '%s: an outsider cannot tell a private room from a missing one',
    async (route) => {
      const fixture = await freshRoom('private');
      const real = await http.inject({ ...ROOM_ROUTES[route](fixture), headers: accounts.outsider.headers });
      const missing = await http.inject({
        ...ROOM_ROUTES[route]({ room: { ...fixture.room, id: NO_SUCH_ROOM }, inviteCode: undefined }),
        headers: accounts.outsider.headers,
      });
      expectError(real, 404, 'ROOM_NOT_FOUND');
      expect(real.statusCode).toBe(missing.statusCode);
      expect(real.json()).toEqual(missing.json());
    },
  );

  // Reusing one's own clientMsgId is idempotent, but it must not turn a refused send into a 200.
  it.each([
    ['public', NOT_A_MEMBER],
    ['private', HIDDEN],
  ] as [Kind, Expected][])('an outsider re-sending a used clientMsgId to a %s room is still refused %j', async (kind, [status, code]) => {
    const clientMsgId = randomUUID();
    await postMessage(server.app, accounts.outsider, outsiderOwnRoom.id, 'in my own room', clientMsgId);
    const fixture = await freshRoom(kind);
    const res = await http.inject({
      method: 'POST',
      url: `/api/rooms/${fixture.room.id}/messages`,
      headers: accounts.outsider.headers,
      payload: { clientMsgId, body: 'let me in' },
    });
    expectError(res, status, code!);
  });

  // Routes that do not concern a room: signed-in actors are all alike here.
  // prettier-ignore
  const GENERAL: [string, Actor, Expected, InjectOptions | (() => InjectOptions)][] = [
    ['GET /api/auth/me',        'anonymous', UNAUTHORIZED, { method: 'GET', url: '/api/auth/me' }],
    ['GET /api/auth/me',        'outsider',  OK200,        { method: 'GET', url: '/api/auth/me' }],
    ['GET /api/auth/me',        'member',    OK200,        { method: 'GET', url: '/api/auth/me' }],
    ['GET /api/auth/me',        'owner',     OK200,        { method: 'GET', url: '/api/auth/me' }],
    ['GET /api/rooms',          'anonymous', UNAUTHORIZED, { method: 'GET', url: '/api/rooms' }],
    ['GET /api/rooms',          'outsider',  OK200,        { method: 'GET', url: '/api/rooms' }],
    ['GET /api/rooms',          'member',    OK200,        { method: 'GET', url: '/api/rooms' }],
    ['GET /api/rooms',          'owner',     OK200,        { method: 'GET', url: '/api/rooms' }],
    ['GET /api/rooms?q=room',   'anonymous', UNAUTHORIZED, { method: 'GET', url: '/api/rooms?q=room' }],
    ['GET /api/rooms/joined',   'anonymous', UNAUTHORIZED, { method: 'GET', url: '/api/rooms/joined' }],
    ['GET /api/rooms/joined',   'outsider',  OK200,        { method: 'GET', url: '/api/rooms/joined' }],
    ['GET /api/rooms/joined',   'member',    OK200,        { method: 'GET', url: '/api/rooms/joined' }],
    ['GET /api/rooms/joined',   'owner',     OK200,        { method: 'GET', url: '/api/rooms/joined' }],
    ['POST /api/rooms',         'anonymous', UNAUTHORIZED, () => ({ method: 'POST', url: '/api/rooms', payload: { name: uniqueName('r') } })],
    ['POST /api/rooms',         'outsider',  OK201,        () => ({ method: 'POST', url: '/api/rooms', payload: { name: uniqueName('r') } })],
    ['POST /api/rooms',         'member',    OK201,        () => ({ method: 'POST', url: '/api/rooms', payload: { name: uniqueName('r') } })],
    ['POST /api/rooms',         'owner',     OK201,        () => ({ method: 'POST', url: '/api/rooms', payload: { name: uniqueName('r') } })],
    ['POST /api/auth/logout',   'anonymous', OK204,        { method: 'POST', url: '/api/auth/logout' }],
    ['POST /api/auth/register', 'anonymous', OK201,        () => ({ method: 'POST', url: '/api/auth/register', payload: { username: uniqueName('reg'), password: 'correct horse battery' } })],
    ['POST /api/auth/login',    'anonymous', OK200,        () => ({ method: 'POST', url: '/api/auth/login', payload: { login: accounts.member.user.username, password: 'correct horse battery' } })],
    ['GET /healthz',            'anonymous', OK200,        { method: 'GET', url: '/healthz' }],
    ['GET /readyz',             'anonymous', OK200,        { method: 'GET', url: '/readyz' }],
  ];
  it.each(GENERAL)('%s | %s -> %j', async (_name, actor, [status, code], request) => {
    const opts = typeof request === 'function' ? request() : request;
    const res = await http.inject({ ...opts, headers: headersOf(actor) });
    if (code) expectError(res, status, code);
    else expect(res.statusCode, res.body).toBe(status);
    if (actor !== 'anonymous' && opts.url === '/api/auth/me') expect(res.json().user.id).toBe(accounts[actor].user.id);
    if (actor !== 'anonymous' && opts.method === 'POST' && opts.url === '/api/rooms') {
      expect(res.json().room.ownerId).toBe(accounts[actor].user.id);
    }
  });

  // Everything that is not a live session is anonymous.
  const badCredentials: [string, () => Record<string, string>][] = [
    ['garbage bearer token', () => ({ authorization: 'Bearer not-a-token' })],
    ['empty bearer', () => ({ authorization: 'Bearer ' })],
    ['Basic scheme', () => ({ authorization: `Basic ${Buffer.from('a:b').toString('base64')}` })],
    ['token with a tampered signature', () => ({ authorization: `Bearer ${accounts.member.token.slice(0, -4)}AAAA` })],
    ['alg=none token', () => ({ authorization: `Bearer ${unsignedToken({ sid: randomUUID() })}` })],
    ['validly signed token for a session that does not exist', () => ({ authorization: `Bearer ${server.app.jwt.sign({ sid: randomUUID() })}` })],
    ['garbage cookie', () => ({ cookie: 'rtchat_session=garbage' })],
  ];
  it.each(badCredentials)('%s is anonymous over HTTP (401) and at the WebSocket upgrade (401)', async (_name, headers) => {
    expectError(await http.inject({ method: 'GET', url: '/api/auth/me', headers: headers() }), 401, 'UNAUTHORIZED');
    expectError(await http.inject({ method: 'GET', url: '/api/rooms/joined', headers: headers() }), 401, 'UNAUTHORIZED');
    expect(await upgradeStatus(server.wsUrl, headers())).toBe(401);
  });
});

function unsignedToken(payload: object): string {
  const part = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(payload)}.`;
}

// ---------------------------------------------------------------------------------------------
// WebSocket matrix
// ---------------------------------------------------------------------------------------------

type FrameType = 'subscribe' | 'unsubscribe' | 'send' | 'typing' | 'read' | 'ping';
type WsOutcome =
  | 'upgrade refused 401'
  | 'subscribed, then receives messages'
  | 'stops receiving messages'
  | 'ignored'
  | 'ack, room receives it'
  | 'others see typing'
  | 'read synced to own other tabs'
  | 'pong'
  | 'error NOT_A_MEMBER'
  | 'error ROOM_NOT_FOUND';

// prettier-ignore
const WS_MATRIX: [FrameType, Kind, Actor, WsOutcome][] = [
  ['subscribe',   'public',  'anonymous', 'upgrade refused 401'],
  ['subscribe',   'public',  'outsider',  'error NOT_A_MEMBER'],
  ['subscribe',   'public',  'member',    'subscribed, then receives messages'],
  ['subscribe',   'public',  'owner',     'subscribed, then receives messages'],
  ['subscribe',   'private', 'anonymous', 'upgrade refused 401'],
  ['subscribe',   'private', 'outsider',  'error ROOM_NOT_FOUND'],
  ['subscribe',   'private', 'member',    'subscribed, then receives messages'],
  ['subscribe',   'private', 'owner',     'subscribed, then receives messages'],

  ['unsubscribe', 'public',  'anonymous', 'upgrade refused 401'],
  ['unsubscribe', 'public',  'outsider',  'ignored'],
  ['unsubscribe', 'public',  'member',    'stops receiving messages'],
  ['unsubscribe', 'public',  'owner',     'stops receiving messages'],
  ['unsubscribe', 'private', 'anonymous', 'upgrade refused 401'],
  ['unsubscribe', 'private', 'outsider',  'ignored'],
  ['unsubscribe', 'private', 'member',    'stops receiving messages'],
  ['unsubscribe', 'private', 'owner',     'stops receiving messages'],

  ['send',        'public',  'anonymous', 'upgrade refused 401'],
  ['send',        'public',  'outsider',  'error NOT_A_MEMBER'],
  ['send',        'public',  'member',    'ack, room receives it'],
  ['send',        'public',  'owner',     'ack, room receives it'],
  ['send',        'private', 'anonymous', 'upgrade refused 401'],
  ['send',        'private', 'outsider',  'error ROOM_NOT_FOUND'],
  ['send',        'private', 'member',    'ack, room receives it'],
  ['send',        'private', 'owner',     'ack, room receives it'],

  ['typing',      'public',  'anonymous', 'upgrade refused 401'],
  ['typing',      'public',  'outsider',  'error NOT_A_MEMBER'],
  ['typing',      'public',  'member',    'others see typing'],
  ['typing',      'public',  'owner',     'others see typing'],
  ['typing',      'private', 'anonymous', 'upgrade refused 401'],
  ['typing',      'private', 'outsider',  'error ROOM_NOT_FOUND'],
  ['typing',      'private', 'member',    'others see typing'],
  ['typing',      'private', 'owner',     'others see typing'],

  ['read',        'public',  'anonymous', 'upgrade refused 401'],
  ['read',        'public',  'outsider',  'error NOT_A_MEMBER'],
  ['read',        'public',  'member',    'read synced to own other tabs'],
  ['read',        'public',  'owner',     'read synced to own other tabs'],
  ['read',        'private', 'anonymous', 'upgrade refused 401'],
  ['read',        'private', 'outsider',  'error ROOM_NOT_FOUND'],
  ['read',        'private', 'member',    'read synced to own other tabs'],
  ['read',        'private', 'owner',     'read synced to own other tabs'],

  ['ping',        'public',  'anonymous', 'upgrade refused 401'],
  ['ping',        'public',  'outsider',  'pong'],
  ['ping',        'public',  'member',    'pong'],
  ['ping',        'public',  'owner',     'pong'],
];

/** Someone in the room other than `actor`, to watch what the room sees. */
const observerFor = (actor: Signed): Signed => (actor === 'member' ? 'owner' : 'member');

describe('WebSocket authorization matrix', () => {
  const open: WsClient[] = [];
  const connect = async (account: Account) => {
    const ws = await WsClient.connect(server.wsUrl, account.token);
    open.push(ws);
    return ws;
  };
  afterAll(async () => {
    await Promise.all(open.map((ws) => ws.close()));
  });

  it.each(WS_MATRIX)('%s | %s room | %s -> %s', async (frame, kind, actor, outcome) => {
    if (actor === 'anonymous') {
      expect(outcome).toBe('upgrade refused 401');
      expect(await upgradeStatus(server.wsUrl, {})).toBe(401);
      return;
    }
    const { room } = await freshRoom(kind);
    const me = accounts[actor];
    const ws = await connect(me);
    const observerAccount = accounts[observerFor(actor)];
    const observer = await connect(observerAccount);
    expect((await observer.subscribe(room.id)).type).toBe('subscribed');
    const roomId = room.id;
    const clientMsgId = randomUUID();

    switch (frame) {
      case 'subscribe':
        ws.send({ type: 'subscribe', roomId });
        break;
      case 'unsubscribe':
        if (outcome === 'stops receiving messages') expect((await ws.subscribe(roomId)).type).toBe('subscribed');
        ws.send({ type: 'unsubscribe', roomId });
        break;
      case 'send':
        ws.send({ type: 'send', roomId, clientMsgId, body: 'hello room' });
        break;
      case 'typing':
        ws.send({ type: 'typing', roomId, isTyping: true });
        break;
      case 'read':
        break; // below: needs a message first
      case 'ping':
        ws.send({ type: 'ping' });
        break;
    }

    switch (outcome) {
      case 'error NOT_A_MEMBER':
      case 'error ROOM_NOT_FOUND': {
        const code = outcome.slice('error '.length);
        if (frame === 'read') ws.send({ type: 'read', roomId, seq: 0 });
        const ref = frame === 'send' ? clientMsgId : roomId;
        const error = await ws.next((f) => f.type === 'error');
        expect(error).toMatchObject({ type: 'error', code, ref });
        // Nothing reached the room, and the refused connection does not receive the room either.
        await postMessage(server.app, observerAccount, roomId, 'after the refusal');
        await barrier(observer);
        await barrier(ws);
        expect(observer.frames.filter((f) => f.type === 'typing')).toEqual([]);
        expect(observer.messages(roomId).map((m) => m.body)).toEqual(['after the refusal']);
        expect(ws.messages(roomId)).toEqual([]);
        expect(ws.frames.filter((f) => f.type === 'error')).toHaveLength(1);
        return;
      }
      case 'subscribed, then receives messages': {
        const subscribed = await ws.next((f) => f.type === 'subscribed' || f.type === 'error');
        expect(subscribed).toMatchObject({ type: 'subscribed', roomId, lastSeq: 0, recovered: true });
        const sent = await postMessage(server.app, observerAccount, roomId, 'to subscribers');
        const got = await ws.next((f) => f.type === 'message');
        expect((got as unknown as { message: Message }).message.id).toBe(sent.id);
        return;
      }
      case 'stops receiving messages':
      case 'ignored': {
        await barrier(ws);
        await postMessage(server.app, observerAccount, roomId, 'not for unsubscribed sockets');
        await barrier(ws);
        expect(ws.messages(roomId)).toEqual([]);
        expect(ws.frames.filter((f) => f.type === 'error')).toEqual([]);
        return;
      }
      case 'ack, room receives it': {
        const ack = await ws.next((f) => (f.type === 'ack' || f.type === 'error') && (f.clientMsgId === clientMsgId || f.ref === clientMsgId));
        expect(ack.type, JSON.stringify(ack)).toBe('ack');
        const seen = await observer.next((f) => f.type === 'message');
        expect((seen as unknown as { message: Message }).message).toMatchObject({ clientMsgId, roomId, author: { id: me.user.id } });
        return;
      }
      case 'others see typing': {
        const typing = await observer.next((f) => f.type === 'typing');
        expect(typing).toMatchObject({ type: 'typing', roomId, isTyping: true, user: { id: me.user.id } });
        await barrier(ws);
        expect(errorsFor(ws, roomId)).toEqual([]);
        return;
      }
      case 'read synced to own other tabs': {
        const otherTab = await connect(me);
        const message = await postMessage(server.app, observerAccount, roomId, 'please read me');
        ws.send({ type: 'read', roomId, seq: message.seq });
        const read = await otherTab.next((f) => f.type === 'read');
        expect(read).toMatchObject({ type: 'read', roomId, seq: message.seq });
        const joined = await server.app.inject({ url: '/api/rooms/joined', headers: me.headers });
        const entry = joined.json<{ rooms: { id: string; unreadCount: number }[] }>().rooms.find((r) => r.id === roomId);
        expect(entry?.unreadCount).toBe(0);
        return;
      }
      case 'pong':
        expect((await ws.next((f) => f.type === 'pong' || f.type === 'error')).type).toBe('pong');
        return;
      default:
        throw new Error(`unhandled outcome ${outcome}`);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Visibility of private rooms and invite codes
// ---------------------------------------------------------------------------------------------

describe('private rooms stay private', () => {
  let hidden: Fixture;
  let visible: Room;
  const marker = `zq${randomUUID().slice(0, 6)}`;

  beforeAll(async () => {
    const created = await createRoom(server.app, accounts.owner, { name: `${marker} secret`, isPrivate: true });
    hidden = { room: created.room, inviteCode: created.inviteCode };
    await joinRoom(server.app, accounts.member, hidden.room, hidden.inviteCode);
    visible = (await createRoom(server.app, accounts.owner, { name: `${marker} open` })).room;
  });

  /** Every page of GET /api/rooms with the given query. */
  async function listAll(account: Account, q?: string): Promise<{ rooms: Room[]; bodies: string[] }> {
    const rooms: Room[] = [];
    const bodies: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 100; page++) {
      const params = new URLSearchParams({ limit: '5' });
      if (q !== undefined) params.set('q', q);
      if (cursor) params.set('cursor', cursor);
      const res = await http.inject({ url: `/api/rooms?${params}`, headers: account.headers });
      expect(res.statusCode, res.body).toBe(200);
      bodies.push(res.body);
      const body = res.json<{ rooms: Room[]; nextCursor: string | null }>();
      rooms.push(...body.rooms);
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    return { rooms, bodies };
  }

  it.each(['outsider', 'member', 'owner'] as Signed[])('never lists or finds a private room, even for its %s', async (actor) => {
    const all = await listAll(accounts[actor]);
    expect(all.rooms.length).toBeGreaterThan(1);
    expect(all.rooms.filter((r) => r.isPrivate)).toEqual([]);
    expect(all.rooms.map((r) => r.id)).toContain(visible.id);
    expect(all.rooms.map((r) => r.id)).not.toContain(hidden.room.id);

    for (const q of [marker, `${marker} secret`, 'secret', hidden.room.name.toUpperCase()]) {
      const found = await listAll(accounts[actor], q);
      expect(found.rooms.map((r) => r.id), q).not.toContain(hidden.room.id);
      expect(found.bodies.join(''), q).not.toContain(hidden.inviteCode);
    }
    expect((await listAll(accounts[actor], marker)).rooms.map((r) => r.id)).toEqual([visible.id]);
  });

  it('shows the invite code to members of a private room only, and never in listings', async () => {
    expect(hidden.inviteCode).toEqual(expect.any(String));
    expect(hidden.inviteCode!.length).toBeGreaterThanOrEqual(10);

    const created = await http.inject({ method: 'POST', url: '/api/rooms', headers: accounts.owner.headers, payload: { name: uniqueName('pub') } });
    expect(created.statusCode).toBe(201);
    expect(created.json()).not.toHaveProperty('inviteCode');

    expect((await roomAs(accounts.owner, hidden.room.id)).inviteCode).toBe(hidden.inviteCode);
    expect((await roomAs(accounts.member, hidden.room.id)).inviteCode).toBe(hidden.inviteCode);
    const asOutsider = await http.inject({ url: `/api/rooms/${hidden.room.id}`, headers: accounts.outsider.headers });
    expectError(asOutsider, 404, 'ROOM_NOT_FOUND');
    expect(asOutsider.body).not.toContain(hidden.inviteCode);
    for (const actor of ['owner', 'member', 'outsider'] as Signed[]) {
      expect(await roomAs(accounts[actor], visible.id)).not.toHaveProperty('inviteCode');
    }

    // The member's own room list shows the private room, but not its invite code.
    const joined = await http.inject({ url: '/api/rooms/joined', headers: accounts.member.headers });
    expect(joined.json<{ rooms: Room[] }>().rooms.map((r) => r.id)).toContain(hidden.room.id);
    expect(joined.body).not.toContain(hidden.inviteCode);
  });

  it('joins by invite, idempotently, and then shows the room to the new member', async () => {
    const guest = await register(server.app, uniqueName('guest'));
    const before = (await roomAs(accounts.owner, hidden.room.id)).room.memberCount;

    for (let attempt = 0; attempt < 2; attempt++) {
      const res = await http.inject({ method: 'POST', url: '/api/rooms/join', headers: guest.headers, payload: { inviteCode: hidden.inviteCode } });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ room: { id: hidden.room.id, memberCount: before + 1 } });
    }
    const byId = await http.inject({ method: 'POST', url: `/api/rooms/${hidden.room.id}/join`, headers: guest.headers });
    expect(byId.json()).toMatchObject({ room: { id: hidden.room.id, memberCount: before + 1 } });

    const members = await http.inject({ url: `/api/rooms/${hidden.room.id}/members`, headers: guest.headers });
    const ids = members.json<{ members: { user: User }[] }>().members.map((m) => m.user.id);
    expect(ids.filter((id) => id === guest.user.id)).toHaveLength(1);
    expect((await roomAs(guest, hidden.room.id)).inviteCode).toBe(hidden.inviteCode);
  });

  it.each([
    ['an unknown code', 'definitely-not-a-code'],
    ['a code with one character changed', 'CHANGED'],
    ['only whitespace', '   '],
  ])('refuses %s with 404 INVALID_INVITE', async (_name, raw) => {
    const inviteCode = raw === 'CHANGED' ? mutate(hidden.inviteCode!) : raw;
    const res = await http.inject({ method: 'POST', url: '/api/rooms/join', headers: accounts.outsider.headers, payload: { inviteCode } });
    expectError(res, 404, 'INVALID_INVITE');
    expect(await joinedRoomIds(accounts.outsider)).not.toContain(hidden.room.id);
  });
});

function mutate(code: string): string {
  const last = code.at(-1)!;
  return code.slice(0, -1) + (last === 'A' ? 'B' : 'A');
}

// ---------------------------------------------------------------------------------------------
// Ownership
// ---------------------------------------------------------------------------------------------

describe('ownership', () => {
  it('passes to the longest-standing member when the owner leaves', async () => {
    const { room } = await createRoom(server.app, accounts.owner);
    const first = await register(server.app, uniqueName('first'));
    const second = await register(server.app, uniqueName('second'));
    await joinRoom(server.app, first, room);
    await joinRoom(server.app, second, room);

    const leave = await http.inject({ method: 'POST', url: `/api/rooms/${room.id}/leave`, headers: accounts.owner.headers });
    expect(leave.statusCode, leave.body).toBe(204);

    const after = await roomAs(second, room.id);
    expect(after.room).toMatchObject({ ownerId: first.user.id, memberCount: 2 });
    const members = await http.inject({ url: `/api/rooms/${room.id}/members`, headers: second.headers });
    expect(members.json<{ members: { user: User; role: string }[] }>().members.map((m) => [m.user.id, m.role])).toEqual([
      [first.user.id, 'owner'],
      [second.user.id, 'member'],
    ]);
    // The former owner is an outsider now.
    expectError(await http.inject({ url: `/api/rooms/${room.id}/messages`, headers: accounts.owner.headers }), 403, 'NOT_A_MEMBER');
    expectError(await http.inject({ method: 'POST', url: `/api/rooms/${room.id}/leave`, headers: accounts.owner.headers }), 404, 'NOT_A_MEMBER');

    // And again: the next in line.
    expect((await http.inject({ method: 'POST', url: `/api/rooms/${room.id}/leave`, headers: first.headers })).statusCode).toBe(204);
    expect((await roomAs(second, room.id)).room).toMatchObject({ ownerId: second.user.id, memberCount: 1 });
  });
});

// ---------------------------------------------------------------------------------------------
// Accounts: registration conflicts, logout
// ---------------------------------------------------------------------------------------------

describe('registration conflicts', () => {
  it('answers 409 USERNAME_TAKEN for a username differing only in case', async () => {
    const name = `Case_${randomUUID().slice(0, 8)}`;
    await register(server.app, name);
    for (const variant of [name.toLowerCase(), name.toUpperCase()]) {
      const res = await http.inject({ method: 'POST', url: '/api/auth/register', payload: { username: variant, password: 'correct horse battery' } });
      expectError(res, 409, 'USERNAME_TAKEN');
    }
  });

  it('answers 409 EMAIL_TAKEN for an email differing only in case', async () => {
    const local = `Mixed.${randomUUID().slice(0, 8)}`;
    const first = await http.inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { username: uniqueName('em'), password: 'correct horse battery', email: `${local}@Example.com` },
    });
    expect(first.statusCode, first.body).toBe(201);
    const again = await http.inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { username: uniqueName('em'), password: 'correct horse battery', email: `${local.toLowerCase()}@EXAMPLE.COM` },
    });
    expectError(again, 409, 'EMAIL_TAKEN');
  });
});

describe('logout', () => {
  it("revokes the token and closes that session's sockets with 4001, leaving other sessions open", async () => {
    const laptop = await register(server.app, uniqueName('lo'));
    const phone = await loginAgain(server.app, laptop);
    const laptopTab1 = await WsClient.connect(server.wsUrl, laptop.token);
    const laptopTab2 = await WsClient.connect(server.wsUrl, laptop.token);
    const phoneTab = await WsClient.connect(server.wsUrl, phone.token);

    const res = await http.inject({ method: 'POST', url: '/api/auth/logout', headers: laptop.headers });
    expect(res.statusCode).toBe(204);
    const cleared = res.cookies.find((c) => c.name === 'rtchat_session');
    expect(cleared?.value ?? '').toBe('');

    expect((await laptopTab1.closed).code).toBe(4001);
    expect((await laptopTab2.closed).code).toBe(4001);
    await barrier(phoneTab);
    expect(isOpen(phoneTab)).toBe(true);

    expectError(await http.inject({ url: '/api/auth/me', headers: laptop.headers }), 401, 'UNAUTHORIZED');
    expect(await upgradeStatus(server.wsUrl, laptop.headers)).toBe(401);
    expect((await http.inject({ url: '/api/auth/me', headers: phone.headers })).json().user.id).toBe(laptop.user.id);
    // Logging out twice is harmless.
    expect((await http.inject({ method: 'POST', url: '/api/auth/logout', headers: laptop.headers })).statusCode).toBe(204);
    await phoneTab.close();
  });

  it('revokes a cookie session too', async () => {
    const account = await register(server.app, uniqueName('lc'));
    const cookies = { rtchat_session: account.token };
    expect((await http.inject({ url: '/api/auth/me', cookies })).statusCode).toBe(200);
    expect((await http.inject({ method: 'POST', url: '/api/auth/logout', cookies })).statusCode).toBe(204);
    expectError(await http.inject({ url: '/api/auth/me', cookies }), 401, 'UNAUTHORIZED');
    expectError(await http.inject({ url: '/api/auth/me', headers: account.headers }), 401, 'UNAUTHORIZED');
  });
});

// ---------------------------------------------------------------------------------------------
// Origin checks (CSRF for cookie sessions, cross-site WebSocket hijacking)
// ---------------------------------------------------------------------------------------------

describe('Origin checks', () => {
  const cookieOf = (a: Account) => ({ rtchat_session: a.token });

  const unsafeCookieRoutes: [string, (f: Fixture) => InjectOptions][] = [
    ['POST /api/rooms', () => ({ method: 'POST', url: '/api/rooms', payload: { name: uniqueName('csrf') } })],
    ['POST /api/rooms/:roomId/join', (f) => ({ method: 'POST', url: `/api/rooms/${f.room.id}/join` })],
    ['POST /api/rooms/join', (f) => ({ method: 'POST', url: '/api/rooms/join', payload: { inviteCode: f.inviteCode } })],
    ['POST /api/rooms/:roomId/leave', (f) => ({ method: 'POST', url: `/api/rooms/${f.room.id}/leave` })],
    ['POST /api/rooms/:roomId/messages', (f) => ({ method: 'POST', url: `/api/rooms/${f.room.id}/messages`, payload: { clientMsgId: randomUUID(), body: 'csrf' } })],
    ['POST /api/rooms/:roomId/read', (f) => ({ method: 'POST', url: `/api/rooms/${f.room.id}/read`, payload: { seq: 0 } })],
    ['POST /api/auth/logout', () => ({ method: 'POST', url: '/api/auth/logout' })],
  ];

  it.each(unsafeCookieRoutes)('%s with the session cookie and a foreign Origin -> 403 FORBIDDEN_ORIGIN, nothing changes', async (name, build) => {
    const victim = await loginAgain(server.app, accounts.member);
    const fixture = await freshRoom('private');
    const lastSeqBefore = (await roomAs(accounts.owner, fixture.room.id)).room.lastSeq;
    const res = await http.inject({ ...build(fixture), cookies: cookieOf(victim), headers: { origin: FOREIGN_ORIGIN } });
    expectError(res, 403, 'FORBIDDEN_ORIGIN');
    // The session still works, the victim is still in the room, nothing was posted.
    expect((await http.inject({ url: '/api/auth/me', headers: victim.headers })).statusCode, name).toBe(200);
    expect(await joinedRoomIds(victim)).toContain(fixture.room.id);
    expect((await roomAs(accounts.owner, fixture.room.id)).room.lastSeq).toBe(lastSeqBefore);
  });

  it.each([
    ['no Origin header', {}],
    ['an ALLOWED_ORIGINS entry', { origin: ALLOWED_ORIGIN }],
    ["the server's own origin", { host: 'chat.internal:8443', origin: 'http://chat.internal:8443' }],
  ])('accepts a cookie-authenticated POST with %s', async (_name, headers) => {
    const name = uniqueName('ok');
    const res = await http.inject({ method: 'POST', url: '/api/rooms', cookies: cookieOf(accounts.member), headers, payload: { name } });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().room.name).toBe(name);
  });

  it.each([
    ['https://evil.example'],
    ['null'],
    ['https://chat.example.com.evil.example'],
    ['http://chat.example.com'],
  ])('refuses a cookie-authenticated POST from Origin %s', async (origin) => {
    const res = await http.inject({ method: 'POST', url: '/api/rooms', cookies: cookieOf(accounts.member), headers: { origin }, payload: { name: uniqueName('no') } });
    expectError(res, 403, 'FORBIDDEN_ORIGIN');
  });

  it('does not apply the cookie check to Bearer clients or to safe methods', async () => {
    const bearer = await http.inject({
      method: 'POST',
      url: '/api/rooms',
      headers: { ...accounts.member.headers, origin: FOREIGN_ORIGIN },
      payload: { name: uniqueName('bearer') },
    });
    expect(bearer.statusCode, bearer.body).toBe(201);
    const get = await http.inject({ url: '/api/rooms/joined', cookies: cookieOf(accounts.member), headers: { origin: FOREIGN_ORIGIN } });
    expect(get.statusCode).toBe(200);
  });

  it.each([
    ['cookie, foreign Origin', (a: Account) => ({ cookie: `rtchat_session=${a.token}`, origin: FOREIGN_ORIGIN }), 403],
    ['bearer, foreign Origin', (a: Account) => ({ authorization: `Bearer ${a.token}`, origin: FOREIGN_ORIGIN }), 403],
    ['no credentials, foreign Origin', () => ({ origin: FOREIGN_ORIGIN }), 403],
    ['no credentials, allowed Origin', () => ({ origin: ALLOWED_ORIGIN }), 401],
    ['cookie, ALLOWED_ORIGINS entry', (a: Account) => ({ cookie: `rtchat_session=${a.token}`, origin: ALLOWED_ORIGIN }), 101],
    ["cookie, the server's own origin", (a: Account) => ({ cookie: `rtchat_session=${a.token}`, origin: server.url }), 101],
    ['cookie, no Origin', (a: Account) => ({ cookie: `rtchat_session=${a.token}` }), 101],
  ] as [string, (a: Account) => Record<string, string>, number][])('WebSocket upgrade with %s -> %i', async (_name, headers, status) => {
    expect(await upgradeStatus(server.wsUrl, headers(accounts.member))).toBe(status);
  });

  it('a cookie-authenticated socket from an allowed origin works fully', async () => {
    const ws = await WsClient.connect(server.wsUrl, null, { cookie: `rtchat_session=${accounts.member.token}`, origin: ALLOWED_ORIGIN });
    expect(ws.frames[0]).toMatchObject({ type: 'ready', user: { id: accounts.member.user.id } });
    await barrier(ws);
    await ws.close();
  });
});

// ---------------------------------------------------------------------------------------------
// Files (issue 11): every file route x uploader, member, outsider, ex-member, anonymous
// ---------------------------------------------------------------------------------------------

describe('files authorization matrix', () => {
  type Reader = 'anonymous' | 'outsider' | 'exMember' | 'member' | 'owner';
  const READERS: Reader[] = ['anonymous', 'outsider', 'exMember', 'member', 'owner'];
  let exMember: Account;

  beforeAll(async () => {
    exMember = await register(server.app, uniqueName('ex'));
  });
  const headersFor = (r: Reader) => (r === 'anonymous' ? {} : r === 'exMember' ? exMember.headers : accounts[r].headers);
  const statusOf = async (url: string, r: Reader) => (await http.inject({ url, headers: headersFor(r) })).statusCode;

  async function sendWith(roomId: string, attachmentIds: string[]): Promise<Message> {
    const res = await http.inject({
      method: 'POST',
      url: `/api/rooms/${roomId}/messages`,
      headers: accounts.owner.headers,
      payload: { clientMsgId: uniqueName('f'), body: 'file', attachmentIds },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ message: Message }>().message;
  }

  for (const kind of ['public', 'private'] as Kind[]) {
    it(`${kind} room: a sent file is served to members only; unsent to its uploader only; deleted to nobody`, async () => {
      const { room, inviteCode } = await freshRoom(kind);
      await joinRoom(server.app, exMember, room, inviteCode);
      const png = await solidImage('png', 16, 16);
      const sent = await uploadOk(server.url, accounts.owner, { bytes: png, name: 'sent.png' });
      const unsent = await uploadOk(server.url, accounts.owner, { bytes: png, name: 'unsent.png' });
      const doomed = await uploadOk(server.url, accounts.owner, { bytes: png, name: 'doomed.png' });
      await sendWith(room.id, [sent.id]);
      const doomedMessage = await sendWith(room.id, [doomed.id]);
      expect(await statusOf(sent.url, 'exMember')).toBe(200);
      expect((await http.inject({ method: 'POST', url: `/api/rooms/${room.id}/leave`, headers: exMember.headers })).statusCode).toBeLessThan(300);
      const del = await http.inject({ method: 'DELETE', url: `/api/rooms/${room.id}/messages/${doomedMessage.id}`, headers: accounts.owner.headers });
      expect(del.statusCode).toBe(204);

      const expected: Record<string, Record<Reader, number>> = {
        sent: { anonymous: 404, outsider: 404, exMember: 404, member: 200, owner: 200 },
        unsent: { anonymous: 404, outsider: 404, exMember: 404, member: 404, owner: 200 },
        deleted: { anonymous: 404, outsider: 404, exMember: 404, member: 404, owner: 404 },
      };
      const files = { sent, unsent, deleted: doomed };
      for (const [name, att] of Object.entries(files)) {
        for (const reader of READERS) {
          for (const url of [att.url, att.thumbUrl!]) {
            expect(await statusOf(url, reader), `${name} ${url} as ${reader}`).toBe(expected[name]![reader]);
          }
        }
      }
      const refused = await http.inject({ url: sent.url, headers: headersFor('outsider') });
      expectError(refused, 404, 'NOT_FOUND');
      expect(await statusOf(`/api/files/${randomUUID()}`, 'owner')).toBe(404);
    });
  }

  it('upload, avatar and room-image routes: anonymous 401; room image for owner only (member 403, outsider 404/403)', async () => {
    const png = await solidImage('png', 40, 30);
    expect((await upload(server.url, null, { bytes: png, name: 'a.png' })).status).toBe(401);
    expect((await upload(server.url, null, { bytes: png, name: 'a.png' }, { path: '/api/users/me/avatar', method: 'PUT' })).status).toBe(401);
    expectError(await http.inject({ method: 'DELETE', url: '/api/users/me/avatar' }), 401, 'UNAUTHORIZED');
    for (const kind of ['public', 'private'] as Kind[]) {
      const { room } = await freshRoom(kind);
      const path = `/api/rooms/${room.id}/image`;
      expect((await upload(server.url, null, { bytes: png, name: 'r.png' }, { path, method: 'PUT' })).status).toBe(401);
      const asOutsider = await upload(server.url, accounts.outsider, { bytes: png, name: 'r.png' }, { path, method: 'PUT' });
      expect(asOutsider).toMatchObject(kind === 'private' ? { status: 404, body: { code: 'ROOM_NOT_FOUND' } } : { status: 403, body: { code: 'NOT_A_MEMBER' } });
      const asMember = await upload(server.url, accounts.member, { bytes: png, name: 'r.png' }, { path, method: 'PUT' });
      expect(asMember).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
      expectError(await http.inject({ method: 'DELETE', url: path, headers: accounts.member.headers }), 403, 'FORBIDDEN');
      const asOwner = await upload(server.url, accounts.owner, { bytes: png, name: 'r.png' }, { path, method: 'PUT' });
      expect(asOwner.status).toBe(200);
      const imageUrl = (asOwner.body as { room?: Room }).room!.imageUrl!;
      // Room images are served to any signed-in user, never to anonymous.
      expect(await statusOf(imageUrl, 'outsider')).toBe(200);
      expect(await statusOf(imageUrl, 'anonymous')).toBe(404);
      const removed = await http.inject({ method: 'DELETE', url: path, headers: accounts.owner.headers });
      expect(removed.json<{ room: Room }>().room.imageUrl).toBeNull();
      expect(await statusOf(imageUrl, 'owner')).toBe(404);
    }
  });

  it('an avatar is served to every signed-in user, not to anonymous; a replaced one stops at once', async () => {
    const first = await upload(server.url, accounts.member, { bytes: await solidImage('jpeg', 300, 200), name: 'me.jpg' }, { path: '/api/users/me/avatar', method: 'PUT' });
    expect(first.status).toBe(200);
    const firstUrl = (first.body as { user?: User }).user!.avatarUrl!;
    expect(await statusOf(firstUrl, 'outsider')).toBe(200);
    expect(await statusOf(firstUrl, 'anonymous')).toBe(404);
    const second = await upload(server.url, accounts.member, { bytes: await solidImage('png', 50, 50), name: 'me2.png' }, { path: '/api/users/me/avatar', method: 'PUT' });
    const secondUrl = (second.body as { user?: User }).user!.avatarUrl!;
    expect(secondUrl).not.toBe(firstUrl);
    expect(await statusOf(firstUrl, 'owner')).toBe(404);
    expect(await statusOf(secondUrl, 'owner')).toBe(200);
    const cleared = await http.inject({ method: 'DELETE', url: '/api/users/me/avatar', headers: accounts.member.headers });
    expect(cleared.json<{ user: User }>().user.avatarUrl).toBeNull();
    expect(await statusOf(secondUrl, 'owner')).toBe(404);
  });
});

describe('the authorization suite', () => {
  it('never saw a 5xx', () => {
    expect(http.serverErrors()).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Throttles, with the contract's default limits
// ---------------------------------------------------------------------------------------------

describe('throttles (contract defaults: 5 failed logins, 10 invite attempts a minute)', () => {
  let t: TestServer;
  let ip = 0;
  /** Each call a new client address, so the per-IP counter stays out of a test about accounts. */
  const freshIp = () => `10.0.${Math.floor(++ip / 250)}.${(ip % 250) + 1}`;
  const login = (login: string, password: string, remoteAddress = freshIp()) =>
    t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { login, password }, remoteAddress });
  const PASSWORD = 'correct horse battery';

  beforeAll(async () => {
    t = await startServer();
  });
  afterAll(() => t?.close());

  it('locks an account after 5 failures, even for the right password and from another address', async () => {
    const victim = await register(t.app, uniqueName('lock'));
    for (let i = 0; i < 5; i++) expectError(await login(victim.user.username, 'wrong password'), 401, 'INVALID_CREDENTIALS');
    const locked = await login(victim.user.username, PASSWORD);
    const body = expectError(locked, 429, 'RATE_LIMITED');
    expect(body.retryAfterMs).toEqual(expect.any(Number));
    expect(body.retryAfterMs as number).toBeGreaterThan(0);
    expect(body.retryAfterMs as number).toBeLessThanOrEqual(15 * 60_000);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    // Other accounts are unaffected.
    const bystander = await register(t.app, uniqueName('by'));
    expect((await login(bystander.user.username, PASSWORD)).statusCode).toBe(200);
  });

  it('resets the account counter on a successful login', async () => {
    const user = await register(t.app, uniqueName('reset'));
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 4; i++) expectError(await login(user.user.username, 'wrong password'), 401, 'INVALID_CREDENTIALS');
      const ok = await login(user.user.username, PASSWORD);
      expect(ok.statusCode, `round ${round}: ${ok.body}`).toBe(200);
    }
  });

  it('counts failures per account whatever name the login uses (username in any case, or email)', async () => {
    const username = uniqueName('alias');
    const email = `${username}@example.com`;
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/register', payload: { username, password: PASSWORD, email } });
    expect(res.statusCode, res.body).toBe(201);
    const names = [username, username.toUpperCase(), email, email.toUpperCase(), username];
    for (const name of names) expectError(await login(name, 'wrong password'), 401, 'INVALID_CREDENTIALS');
    expectError(await login(username, PASSWORD), 429, 'RATE_LIMITED');
    expectError(await login(email, PASSWORD), 429, 'RATE_LIMITED');
  });

  it('throttles an address after 5 failures, across accounts', async () => {
    const address = '10.99.0.1';
    for (let i = 0; i < 5; i++) expectError(await login(uniqueName('nobody'), 'wrong password', address), 401, 'INVALID_CREDENTIALS');
    const user = await register(t.app, uniqueName('ipv'));
    expectError(await login(user.user.username, PASSWORD, address), 429, 'RATE_LIMITED');
    expect((await login(user.user.username, PASSWORD, '10.99.0.2')).statusCode).toBe(200);
  });

  it('allows 10 invite attempts a minute per user, then 429 with retryAfterMs, even for a valid code', async () => {
    const owner = await register(t.app, uniqueName('io'));
    const { room, inviteCode } = await createRoom(t.app, owner, { isPrivate: true });
    const guesser = await register(t.app, uniqueName('guess'));
    const attempt = (account: Account, code: string) =>
      t.app.inject({ method: 'POST', url: '/api/rooms/join', headers: account.headers, payload: { inviteCode: code } });

    for (let i = 0; i < 10; i++) expectError(await attempt(guesser, `guess-${i}-${randomUUID()}`), 404, 'INVALID_INVITE');
    const refused = await attempt(guesser, inviteCode!);
    const body = expectError(refused, 429, 'RATE_LIMITED');
    expect(body.retryAfterMs as number).toBeGreaterThan(0);
    expect(body.retryAfterMs as number).toBeLessThanOrEqual(60_000);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expectError(await t.app.inject({ url: `/api/rooms/${room.id}`, headers: guesser.headers }), 404, 'ROOM_NOT_FOUND');

    // Per user: someone else with the code gets in.
    const friend = await register(t.app, uniqueName('friend'));
    expect((await attempt(friend, inviteCode!)).statusCode).toBe(200);
  });
});
