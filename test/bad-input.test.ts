/**
 * Bad input, over HTTP and WebSocket: malformed JSON, wrong types, missing and unknown fields,
 * oversize bodies and frames, garbage ids and cursors, LIKE metacharacters, NUL characters,
 * message length limits, floods. Each gets a clear 4xx (or an `error` frame) and never a 500;
 * sockets survive where the contract says they do; the server stays healthy throughout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import type { Message, Room } from '../src/protocol.js';
import { createRoom, joinRoom, register, startServer, uniqueName, WsClient, type Account, type TestServer } from './helpers.js';
import { barrier, expectError, forgeCursor, isOpen, NO_SUCH_ROOM, recorder, waitForFrames } from './authz-helpers.js';

let server: TestServer;
let alice: Account;
let bob: Account;
let room: Room;
const http = recorder(() => server.app);
const sockets: WsClient[] = [];

beforeAll(async () => {
  // Login throttling has its own tests (authz); here a few refused logins must not lock anyone out.
  server = await startServer({ LOGIN_MAX_FAILURES: '1000' });
  alice = await register(server.app, uniqueName('alice'));
  bob = await register(server.app, uniqueName('bob'));
  room = (await createRoom(server.app, alice, { name: uniqueName('bad') })).room;
  await joinRoom(server.app, bob, room);
});
afterAll(async () => {
  await Promise.all(sockets.map((ws) => ws.close()));
  await server?.close();
});

async function connect(account: Account = alice): Promise<WsClient> {
  const ws = await WsClient.connect(server.wsUrl, account.token);
  sockets.push(ws);
  return ws;
}

const JSON_TYPE = { 'content-type': 'application/json' } as const;
const authed = (extra: Record<string, string> = {}) => ({ ...alice.headers, ...extra });

/** Every JSON-body route, with a valid body to start from. */
type BodyRequest = Omit<InjectOptions, 'payload'> & { payload: Record<string, unknown> };
const BODY_ROUTES: [string, () => BodyRequest][] = [
  ['POST /api/auth/register', () => ({ method: 'POST', url: '/api/auth/register', payload: { username: uniqueName('r'), password: 'correct horse battery' } })],
  ['POST /api/auth/login', () => ({ method: 'POST', url: '/api/auth/login', payload: { login: alice.user.username, password: 'correct horse battery' } })],
  ['POST /api/rooms', () => ({ method: 'POST', url: '/api/rooms', headers: authed(), payload: { name: uniqueName('room') } })],
  ['POST /api/rooms/join', () => ({ method: 'POST', url: '/api/rooms/join', headers: authed(), payload: { inviteCode: 'whatever' } })],
  ['POST /api/rooms/:roomId/messages', () => ({ method: 'POST', url: `/api/rooms/${room.id}/messages`, headers: authed(), payload: { clientMsgId: randomUUID(), body: 'hi' } })],
  ['POST /api/rooms/:roomId/read', () => ({ method: 'POST', url: `/api/rooms/${room.id}/read`, headers: authed(), payload: { seq: 0 } })],
];

describe('HTTP bodies', () => {
  const MALFORMED: [string, string][] = [
    ['truncated JSON', '{"name":'],
    ['trailing comma', '{"a":1,}'],
    ['single quotes', "{'a':1}"],
    ['not JSON at all', 'hello'],
    ['empty body', ''],
    ['a JSON array', '[]'],
    ['JSON null', 'null'],
    ['a JSON string', '"text"'],
    ['a JSON number', '42'],
    ['__proto__ key', '{"__proto__":{"isPrivate":true}}'],
  ];
  const cases = BODY_ROUTES.flatMap(([route, build]) => MALFORMED.map(([name, body]) => [route, name, body, build] as const));

  it.each(cases)('%s with %s -> 400 VALIDATION', async (_route, _name, body, build) => {
    const { payload: _valid, ...request } = build();
    const res = await http.inject({ ...request, headers: { ...request.headers, ...JSON_TYPE }, payload: body });
    expectError(res, 400, 'VALIDATION');
  });

  // Each field of each body left out in turn.
  const REQUIRED: Record<string, string[]> = {
    'POST /api/auth/register': ['username', 'password'],
    'POST /api/auth/login': ['login', 'password'],
    'POST /api/rooms': ['name'],
    'POST /api/rooms/join': ['inviteCode'],
    'POST /api/rooms/:roomId/messages': ['clientMsgId', 'body'],
    'POST /api/rooms/:roomId/read': ['seq'],
  };
  const missing = BODY_ROUTES.flatMap(([route, build]) => REQUIRED[route]!.map((field) => [route, field, build] as const));
  it.each(missing)('%s without %s -> 400 VALIDATION', async (_route, field, build) => {
    const request = build();
    const payload = { ...request.payload };
    delete payload[field];
    expectError(await http.inject({ ...request, payload }), 400, 'VALIDATION');
  });

  // JSON values of the wrong type are refused, not coerced into something else.
  // prettier-ignore
  const WRONG_TYPES: [string, string, unknown][] = [
    ['POST /api/auth/register',          'username',    12345678],
    ['POST /api/auth/register',          'email',       { at: 'example.com' }],
    ['POST /api/auth/login',             'login',       ['alice']],
    ['POST /api/rooms',                  'name',        ['array room']],
    ['POST /api/rooms',                  'isPrivate',   'yes'],
    ['POST /api/rooms',                  'isPrivate',   'true'],
    ['POST /api/rooms/:roomId/messages', 'body',        42],
    ['POST /api/rooms/:roomId/messages', 'body',        ['hello']],
    ['POST /api/rooms/:roomId/read',     'seq',         '1'],
    ['POST /api/rooms/:roomId/read',     'seq',         true],
    ['POST /api/rooms/:roomId/read',     'seq',         1.5],
    ['POST /api/rooms/:roomId/read',     'seq',         -1],
  ];
  it.each(WRONG_TYPES)('%s with %s = %j -> 400 VALIDATION', async (route, field, value) => {
    const request = BODY_ROUTES.find(([r]) => r === route)![1]();
    const res = await http.inject({ ...request, payload: { ...request.payload, [field]: value } });
    expectError(res, 400, 'VALIDATION');
  });

  it('ignores unknown fields, and they cannot set what the server decides', async () => {
    const name = uniqueName('unk');
    const reg = await http.inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { username: name, password: 'correct horse battery', id: NO_SUCH_ROOM, avatarUrl: 'https://evil.example/x.png', role: 'admin' },
    });
    expect(reg.statusCode, reg.body).toBe(201);
    expect(reg.json().user).toMatchObject({ username: name, avatarUrl: null });
    expect(reg.json().user.id).not.toBe(NO_SUCH_ROOM);

    const created = await http.inject({
      method: 'POST',
      url: '/api/rooms',
      headers: authed(),
      payload: { name: uniqueName('unk'), ownerId: bob.user.id, memberCount: 99, lastSeq: 42, id: NO_SUCH_ROOM, inviteCode: 'mine' },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().room).toMatchObject({ ownerId: alice.user.id, memberCount: 1, lastSeq: 0, isPrivate: false });
    expect(created.json().room.id).not.toBe(NO_SUCH_ROOM);
    expect(created.json()).not.toHaveProperty('inviteCode');

    const clientMsgId = randomUUID();
    const sent = await http.inject({
      method: 'POST',
      url: `/api/rooms/${room.id}/messages`,
      headers: authed(),
      payload: { clientMsgId, body: 'hello', seq: 999, roomId: NO_SUCH_ROOM, author: { id: bob.user.id }, createdAt: '2000-01-01T00:00:00Z' },
    });
    expect(sent.statusCode, sent.body).toBe(201);
    const message = sent.json<{ message: Message }>().message;
    expect(message).toMatchObject({ roomId: room.id, clientMsgId, body: 'hello', author: { id: alice.user.id } });
    expect(message.seq).not.toBe(999);
    expect(message.createdAt.startsWith('2000')).toBe(false);
  });

  it.each(BODY_ROUTES)('%s with a body over 64 KiB -> 413 PAYLOAD_TOO_LARGE', async (_route, build) => {
    const request = build();
    const payload = JSON.stringify({ ...request.payload, padding: 'x'.repeat(64 * 1024) });
    const res = await http.inject({ ...request, headers: { ...request.headers, ...JSON_TYPE }, payload });
    expectError(res, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers 415 UNSUPPORTED_MEDIA_TYPE for a body that is not JSON', async () => {
    const res = await http.inject({ method: 'POST', url: '/api/rooms', headers: authed({ 'content-type': 'application/x-www-form-urlencoded' }), payload: 'name=x' });
    expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('NUL and control characters', () => {
  // Postgres text cannot hold NUL: these must be refused up front, never reach the database.
  // prettier-ignore
  const NUL_CASES: [string, () => InjectOptions][] = [
    ['register username',        () => ({ method: 'POST', url: '/api/auth/register', payload: { username: 'nul\u0000user', password: 'correct horse battery' } })],
    ['register email',           () => ({ method: 'POST', url: '/api/auth/register', payload: { username: uniqueName('n'), password: 'correct horse battery', email: 'a\u0000b@example.com' } })],
    ['login name',               () => ({ method: 'POST', url: '/api/auth/login', payload: { login: `${alice.user.username}\u0000`, password: 'correct horse battery' } })],
    ['login email',              () => ({ method: 'POST', url: '/api/auth/login', payload: { login: 'x\u0000@example.com', password: 'correct horse battery' } })],
    ['room name',                () => ({ method: 'POST', url: '/api/rooms', headers: authed(), payload: { name: 'nul\u0000room' } })],
    ['room description',         () => ({ method: 'POST', url: '/api/rooms', headers: authed(), payload: { name: uniqueName('n'), description: 'a\u0000b' } })],
    ['invite code',              () => ({ method: 'POST', url: '/api/rooms/join', headers: authed(), payload: { inviteCode: 'abc\u0000def' } })],
    ['message body',             () => ({ method: 'POST', url: `/api/rooms/${room.id}/messages`, headers: authed(), payload: { clientMsgId: randomUUID(), body: 'a\u0000b' } })],
    ['message body (only NUL)',  () => ({ method: 'POST', url: `/api/rooms/${room.id}/messages`, headers: authed(), payload: { clientMsgId: randomUUID(), body: '\u0000' } })],
    ['clientMsgId',              () => ({ method: 'POST', url: `/api/rooms/${room.id}/messages`, headers: authed(), payload: { clientMsgId: 'a\u0000b', body: 'hi' } })],
    ['search query',             () => ({ method: 'GET', url: '/api/rooms?q=a%00b', headers: authed() })],
    ['room id in the path',      () => ({ method: 'GET', url: '/api/rooms/%00', headers: authed() })],
    ['cursor',                   () => ({ method: 'GET', url: '/api/rooms?cursor=%00', headers: authed() })],
    ['other control (BEL) in a body', () => ({ method: 'POST', url: `/api/rooms/${room.id}/messages`, headers: authed(), payload: { clientMsgId: randomUUID(), body: 'ding\u0007' } })],
  ];
  it.each(NUL_CASES)('NUL in the %s -> 400 VALIDATION', async (_name, build) => {
    expectError(await http.inject(build()), 400, 'VALIDATION');
  });

  it('a NUL in a password is only hashed, never a 500', async () => {
    const res = await http.inject({ method: 'POST', url: '/api/auth/register', payload: { username: uniqueName('p'), password: 'pass\u0000word!' } });
    expect([201, 400]).toContain(res.statusCode);
  });

  it('keeps tabs and newlines inside a message body', async () => {
    const res = await http.inject({ method: 'POST', url: `/api/rooms/${room.id}/messages`, headers: authed(), payload: { clientMsgId: randomUUID(), body: 'a\tb\r\nc' } });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().message.body).toBe('a\tb\r\nc');
  });
});

describe('ids, query strings and cursors', () => {
  const GARBAGE_IDS = [
    'abc',
    '1',
    'null',
    'undefined',
    "1'%20OR%20'1'%3D'1",
    '..%2F..%2Fetc%2Fpasswd',
    '%20',
    '0b0e2f6c5d1a4c3e9f0000000000dead',
    '0b0e2f6c-5d1a-4c3e-9f00-00000000dead0',
    '0b0e2f6c-5d1a-4c3e-9f00-00000000deag',
    '%7B0b0e2f6c-5d1a-4c3e-9f00-00000000dead%7D',
    '%F0%9F%98%80',
  ];
  const ROUTES: [string, (id: string) => InjectOptions][] = [
    ['GET /api/rooms/:roomId', (id) => ({ method: 'GET', url: `/api/rooms/${id}` })],
    ['POST /api/rooms/:roomId/join', (id) => ({ method: 'POST', url: `/api/rooms/${id}/join` })],
    ['POST /api/rooms/:roomId/leave', (id) => ({ method: 'POST', url: `/api/rooms/${id}/leave` })],
    ['GET /api/rooms/:roomId/members', (id) => ({ method: 'GET', url: `/api/rooms/${id}/members` })],
    ['GET /api/rooms/:roomId/messages', (id) => ({ method: 'GET', url: `/api/rooms/${id}/messages` })],
    ['POST /api/rooms/:roomId/messages', (id) => ({ method: 'POST', url: `/api/rooms/${id}/messages`, payload: { clientMsgId: randomUUID(), body: 'hi' } })],
    ['POST /api/rooms/:roomId/read', (id) => ({ method: 'POST', url: `/api/rooms/${id}/read`, payload: { seq: 0 } })],
  ];
  const cases = ROUTES.flatMap(([route, build]) => GARBAGE_IDS.map((id) => [route, id, build] as const));

  it.each(cases)('%s with roomId %s -> 400 VALIDATION', async (_route, id, build) => {
    const res = await http.inject({ ...build(id), headers: authed() });
    expectError(res, 400, 'VALIDATION');
  });

  // These two never reach the route: the router refuses them. The answer must still be the contract's.
  it.each([
    ['300 characters', 'x'.repeat(300)],
    ['a broken percent-escape', '%zz'],
  ])('a roomId of %s -> 400 VALIDATION in the contract shape', async (_name, id) => {
    for (const [route, build] of ROUTES) {
      const res = await http.inject({ ...build(id), headers: authed() });
      expect(res.statusCode, route).toBeLessThan(500);
      expectError(res, 400, 'VALIDATION');
    }
  });

  it.each(ROUTES)('%s with a well-formed but unknown id -> 404 ROOM_NOT_FOUND', async (_route, build) => {
    expectError(await http.inject({ ...build(NO_SUCH_ROOM), headers: authed() }), 404, 'ROOM_NOT_FOUND');
  });

  it('accepts an upper-case UUID for the same room', async () => {
    const res = await http.inject({ url: `/api/rooms/${room.id.toUpperCase()}`, headers: authed() });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().room.id).toBe(room.id);
  });

  // prettier-ignore
  const QUERIES: [string, string][] = [
    ['before and after together',         'before=5&after=1'],
    ['limit=0',                           'limit=0'],
    ['limit=101',                         'limit=101'],
    ['limit=-1',                          'limit=-1'],
    ['limit=1.5',                         'limit=1.5'],
    ['limit=abc',                         'limit=abc'],
    ['limit empty',                       'limit='],
    ['limit twice',                       'limit=1&limit=2'],
    ['before=-1',                         'before=-1'],
    ['before=abc',                        'before=abc'],
    ['after beyond 2^53',                 'after=99999999999999999999'],
    ['after=Infinity',                    'after=Infinity'],
    ['before=1e400',                      'before=1e400'],
    ['limit=1e400',                       'limit=1e400'],
  ];
  it.each(QUERIES)('GET messages with %s -> 400 VALIDATION', async (_name, query) => {
    expectError(await http.inject({ url: `/api/rooms/${room.id}/messages?${query}`, headers: authed() }), 400, 'VALIDATION');
  });

  it('accepts limit=1 and limit=100 (the bounds)', async () => {
    for (const limit of [1, 100]) {
      const res = await http.inject({ url: `/api/rooms/${room.id}/messages?limit=${limit}`, headers: authed() });
      expect(res.statusCode, res.body).toBe(200);
    }
  });

  // prettier-ignore
  const CURSORS: [string, string, string][] = [
    ['rooms',   'not base64 at all',            '/api/rooms?cursor=!!!'],
    ['rooms',   'base64 of nothing useful',     '/api/rooms?cursor=AAAA'],
    ['rooms',   'negative offset',              `/api/rooms?cursor=${forgeCursor({ o: -1 })}`],
    ['rooms',   'fractional offset',            `/api/rooms?cursor=${forgeCursor({ o: 1.5 })}`],
    ['rooms',   'string offset',                `/api/rooms?cursor=${forgeCursor({ o: '5' })}`],
    ['rooms',   'huge offset',                  `/api/rooms?cursor=${forgeCursor({ o: 1e12 })}`],
    ['rooms',   'JSON null',                    `/api/rooms?cursor=${forgeCursor(null)}`],
    ['rooms',   'over 200 characters',          `/api/rooms?cursor=${'A'.repeat(300)}`],
    ['rooms',   'limit=0',                      '/api/rooms?limit=0'],
    ['rooms',   'limit=101',                    '/api/rooms?limit=101'],
    ['rooms',   'q over 100 characters',        `/api/rooms?q=${'a'.repeat(101)}`],
    ['members', 'not base64 at all',            '/api/rooms/:roomId/members?cursor=zz!'],
    ['members', 'wrong shape',                  `/api/rooms/:roomId/members?cursor=${forgeCursor([1, 2])}`],
    ['members', 'not a date',                   `/api/rooms/:roomId/members?cursor=${forgeCursor(['yesterday', NO_SUCH_ROOM])}`],
    ['members', 'dashes instead of a uuid',     `/api/rooms/:roomId/members?cursor=${forgeCursor(['2024-01-01T00:00:00.000Z', '-'.repeat(36)])}`],
    ['members', 'a date Postgres cannot hold',  `/api/rooms/:roomId/members?cursor=${forgeCursor(['+275760-09-13T00:00:00.000Z', NO_SUCH_ROOM])}`],
    ['members', 'limit=0',                      '/api/rooms/:roomId/members?limit=0'],
    ['members', 'limit=201',                    '/api/rooms/:roomId/members?limit=201'],
  ];
  it.each(CURSORS)('GET %s with %s -> 400 VALIDATION', async (_what, _name, url) => {
    expectError(await http.inject({ url: url.replace(':roomId', room.id), headers: authed() }), 400, 'VALIDATION');
  });

  it('still accepts the cursors it issued', async () => {
    for (let i = 0; i < 3; i++) await createRoom(server.app, alice, { name: uniqueName('page') });
    const first = await http.inject({ url: '/api/rooms?limit=2', headers: authed() });
    expect(first.statusCode).toBe(200);
    const cursor = first.json().nextCursor as string;
    expect(cursor).toEqual(expect.any(String));
    const second = await http.inject({ url: `/api/rooms?limit=2&cursor=${encodeURIComponent(cursor)}`, headers: authed() });
    expect(second.statusCode, second.body).toBe(200);
  });
});

describe('room search treats LIKE metacharacters literally', () => {
  const names = ['100% real', '1000 real', 'a_b', 'axb', 'back\\slash', 'backslash'];
  beforeAll(async () => {
    for (const name of names) await createRoom(server.app, alice, { name });
  });

  const search = async (q: string): Promise<string[]> => {
    const res = await http.inject({ url: `/api/rooms?limit=100&q=${encodeURIComponent(q)}`, headers: authed() });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ rooms: Room[] }>().rooms.map((r) => r.name);
  };

  // prettier-ignore
  const CASES: [string, string[], string[]][] = [
    // q            must find                 must not find
    ['%',          ['100% real'],            ['1000 real', 'a_b', 'axb']],
    ['0%',         ['100% real'],            ['1000 real']],
    ['%real',      [],                       ['100% real', '1000 real']],
    ['_',          ['a_b'],                  ['axb', '100% real']],
    ['a_b',        ['a_b'],                  ['axb']],
    ['A_B',        ['a_b'],                  ['axb']],
    ['\\',         ['back\\slash'],          ['backslash']],
    ['k\\s',       ['back\\slash'],          ['backslash']],
    ['\\%',        [],                       ['100% real']],
    ['%%',         [],                       ['100% real']],
  ];
  it.each(CASES)('q=%j finds %j and not %j', async (q, want, notWant) => {
    const found = await search(q);
    for (const name of want) expect(found).toContain(name);
    for (const name of notWant) expect(found).not.toContain(name);
    // Whatever else there is, every result contains the query as typed.
    for (const name of found) expect(name.toLowerCase()).toContain(q.toLowerCase());
  });
});

describe('message bodies over HTTP', () => {
  const post = (body: unknown, clientMsgId: string = randomUUID()) =>
    http.inject({ method: 'POST', url: `/api/rooms/${room.id}/messages`, headers: bob.headers, payload: { clientMsgId, body } });

  // prettier-ignore
  const REFUSED: [string, string, string][] = [
    ['empty',                         '',                       'VALIDATION'],
    ['spaces only',                   '     ',                  'VALIDATION'],
    ['whitespace of all kinds',       ' \t\n\r\u00a0\u2003\u3000\ufeff ', 'VALIDATION'],
    ['4001 characters',               'x'.repeat(4001),         'MESSAGE_TOO_LONG'],
    ['4001 emoji (8002 UTF-16 units)', '😀'.repeat(4001),       'MESSAGE_TOO_LONG'],
    ['4000 characters plus one emoji', 'x'.repeat(4000) + '😀', 'MESSAGE_TOO_LONG'],
  ];
  it.each(REFUSED)('%s -> 400 %s, nothing stored', async (_name, body, code) => {
    const before = (await http.inject({ url: `/api/rooms/${room.id}`, headers: authed() })).json().room.lastSeq;
    expectError(await post(body), 400, code);
    expect((await http.inject({ url: `/api/rooms/${room.id}`, headers: authed() })).json().room.lastSeq).toBe(before);
  });

  // prettier-ignore
  const ACCEPTED: [string, string, string][] = [
    ['4000 characters',                          'y'.repeat(4000),                    'y'.repeat(4000)],
    ['4000 emoji, counted as code points',       '🎉'.repeat(4000),                   '🎉'.repeat(4000)],
    ['3999 characters and one emoji',            'z'.repeat(3999) + '🙂',             'z'.repeat(3999) + '🙂'],
    ['4000 characters inside surrounding spaces', `   ${'w'.repeat(4000)}\n\n`,      'w'.repeat(4000)],
    ['one character',                            '.',                                 '.'],
  ];
  it.each(ACCEPTED)('%s -> 201, stored trimmed and intact', async (_name, body, stored) => {
    const res = await post(body);
    expect(res.statusCode, res.body.slice(0, 300)).toBe(201);
    const message = res.json<{ message: Message }>().message;
    expect(message.body).toBe(stored);
    const page = await http.inject({ url: `/api/rooms/${room.id}/messages?after=${message.seq - 1}&limit=1`, headers: authed() });
    expect(page.json<{ messages: Message[] }>().messages[0]?.body).toBe(stored);
  });

  it.each([
    ['empty', ''],
    ['65 characters', 'c'.repeat(65)],
    ['with a space', 'a b'],
    ['non-ASCII', 'ünïcode'],
  ])('clientMsgId %s -> 400 VALIDATION', async (_name, clientMsgId) => {
    expectError(await post('hello', clientMsgId), 400, 'VALIDATION');
  });
});

describe('WebSocket frames', () => {
  // prettier-ignore
  const BAD_FRAMES: [string, string | Buffer][] = [
    ['malformed JSON',                 '{"type":"ping"'],
    ['not JSON',                       'ping'],
    ['empty text',                     ''],
    ['a JSON array',                   '[{"type":"ping"}]'],
    ['a JSON number',                  '42'],
    ['JSON null',                      'null'],
    ['a JSON string',                  '"ping"'],
    ['missing type',                   '{"roomId":"0b0e2f6c-5d1a-4c3e-9f00-00000000dead"}'],
    ['type is not a string',           '{"type":5}'],
    ['unknown type',                   '{"type":"shout"}'],
    ['type __proto__',                 '{"type":"__proto__"}'],
    ['type toString',                  '{"type":"toString"}'],
    ['subscribe: roomId a number',     '{"type":"subscribe","roomId":42}'],
    ['subscribe: roomId not a UUID',   '{"type":"subscribe","roomId":"general"}'],
    ['subscribe: sinceSeq negative',   JSON.stringify({ type: 'subscribe', roomId: NO_SUCH_ROOM, sinceSeq: -1 })],
    ['subscribe: sinceSeq a string',   JSON.stringify({ type: 'subscribe', roomId: NO_SUCH_ROOM, sinceSeq: '3' })],
    ['unsubscribe: missing roomId',    '{"type":"unsubscribe"}'],
    ['typing: isTyping a string',      JSON.stringify({ type: 'typing', roomId: NO_SUCH_ROOM, isTyping: 'yes' })],
    ['read: seq a float',              JSON.stringify({ type: 'read', roomId: NO_SUCH_ROOM, seq: 1.5 })],
    ['read: seq missing',              JSON.stringify({ type: 'read', roomId: NO_SUCH_ROOM })],
    ['send: body a number',            JSON.stringify({ type: 'send', roomId: NO_SUCH_ROOM, clientMsgId: 'c1', body: 5 })],
    ['send: clientMsgId missing',      JSON.stringify({ type: 'send', roomId: NO_SUCH_ROOM, body: 'hi' })],
    ['ping with an extra field',       '{"type":"ping","extra":true}'],
    ['send with an extra field',       JSON.stringify({ type: 'send', roomId: NO_SUCH_ROOM, clientMsgId: 'c2', body: 'hi', seq: 1 })],
    ['binary frame',                   Buffer.from('{"type":"ping"}')],
  ];

  it.each(BAD_FRAMES)('%s -> error VALIDATION, and the socket stays open', async (_name, frame) => {
    const ws = await connect();
    if (typeof frame === 'string') ws.send(frame);
    else ws.socket.send(frame, { binary: true });
    const error = await ws.next((f) => f.type === 'error');
    expect(error).toMatchObject({ type: 'error', code: 'VALIDATION', message: expect.any(String) });
    await barrier(ws);
    expect(isOpen(ws)).toBe(true);
    expect(ws.frames.filter((f) => f.type === 'error')).toHaveLength(1);
  });

  it('echoes the clientMsgId of a bad send as ref', async () => {
    const ws = await connect();
    ws.send({ type: 'send', roomId: 'not-a-uuid', clientMsgId: 'my-ref-1', body: 'hi' });
    expect(await ws.next((f) => f.type === 'error')).toMatchObject({ code: 'VALIDATION', ref: 'my-ref-1' });
  });

  it('closes with 4008 on the 11th bad frame within 10 s, not before', async () => {
    const ws = await connect();
    for (let i = 0; i < 10; i++) ws.send(`garbage ${i}`);
    await barrier(ws);
    expect(isOpen(ws)).toBe(true);
    expect(ws.frames.filter((f) => f.type === 'error' && f.code === 'VALIDATION')).toHaveLength(10);
    ws.send('one too many');
    expect((await ws.closed).code).toBe(4008);
  });

  it('closes with 4008 when flooded with frames, even valid ones (bursts of 300)', async () => {
    const ws = await connect();
    for (let i = 0; i < 400; i++) ws.send({ type: 'ping' });
    expect((await ws.closed).code).toBe(4008);
    expect(ws.frames.filter((f) => f.type === 'pong').length).toBeLessThan(400);
  });

  it('closes with 1009 on a frame over 64 KiB', async () => {
    const ws = await connect();
    ws.send(JSON.stringify({ type: 'send', roomId: room.id, clientMsgId: randomUUID(), body: 'x'.repeat(64 * 1024) }));
    expect((await ws.closed).code).toBe(1009);
  });

  it('answers a frame of exactly 64 KiB (the limit) normally: MESSAGE_TOO_LONG, and stays open', async () => {
    const ws = await connect();
    const clientMsgId = randomUUID();
    const frame = JSON.stringify({ type: 'send', roomId: room.id, clientMsgId, body: '' });
    ws.send(JSON.stringify({ type: 'send', roomId: room.id, clientMsgId, body: 'x'.repeat(64 * 1024 - frame.length) }));
    expect(await ws.next((f) => f.type === 'error')).toMatchObject({ code: 'MESSAGE_TOO_LONG', ref: clientMsgId });
    await barrier(ws);
    expect(isOpen(ws)).toBe(true);
  });

  // prettier-ignore
  const BODIES: [string, string, string | null][] = [
    ['empty body',                    '',                       'VALIDATION'],
    ['whitespace-only body',          ' \n\t ',                 'VALIDATION'],
    ['NUL in the body',               'a\u0000b',               'VALIDATION'],
    ['4001 characters',               'x'.repeat(4001),         'MESSAGE_TOO_LONG'],
    ['4001 emoji',                    '😀'.repeat(4001),        'MESSAGE_TOO_LONG'],
    ['4000 emoji',                    '🎉'.repeat(4000),        null],
    ['4000 characters, padded',       ` ${'v'.repeat(4000)} `,  null],
  ];
  it.each(BODIES)('send with %s -> %s', async (_name, body, code) => {
    const ws = await connect(bob);
    const clientMsgId = randomUUID();
    ws.send({ type: 'send', roomId: room.id, clientMsgId, body });
    const reply = await ws.next((f) => (f.type === 'ack' && f.clientMsgId === clientMsgId) || (f.type === 'error' && f.ref === clientMsgId));
    if (code) {
      expect(reply).toMatchObject({ type: 'error', code, ref: clientMsgId });
      await barrier(ws);
      expect(isOpen(ws)).toBe(true);
    } else {
      expect(reply.type, JSON.stringify(reply).slice(0, 300)).toBe('ack');
      expect((reply as unknown as { message: Message }).message.body).toBe(body.trim());
    }
  });

  it('rate-limits a burst of more than 20 sends with RATE_LIMITED, retryAfterMs and ref = clientMsgId', async () => {
    const { room: burstRoom } = await createRoom(server.app, alice, { name: uniqueName('burst') });
    const ws = await connect();
    const ids = Array.from({ length: 30 }, (_, i) => `burst-${i}-${randomUUID().slice(0, 8)}`);
    for (const [i, clientMsgId] of ids.entries()) ws.send({ type: 'send', roomId: burstRoom.id, clientMsgId, body: `burst ${i}` });

    const answered = new Map<string, Record<string, unknown>>();
    while (answered.size < ids.length) {
      const f = await ws.next((f) => f.type === 'ack' || f.type === 'error');
      const id = (f.type === 'ack' ? f.clientMsgId : f.ref) as string;
      expect(answered.has(id), `answered twice: ${id}`).toBe(false);
      answered.set(id, f);
    }
    const acked = ids.filter((id) => answered.get(id)!.type === 'ack');
    const limited = ids.filter((id) => answered.get(id)!.type === 'error');
    expect(acked.length).toBeGreaterThanOrEqual(20);
    expect(limited.length).toBeGreaterThan(0);
    for (const id of limited) {
      const error = answered.get(id)!;
      expect(error).toMatchObject({ code: 'RATE_LIMITED', ref: id });
      expect(error.retryAfterMs).toEqual(expect.any(Number));
      expect(error.retryAfterMs as number).toBeGreaterThan(0);
    }
    // The first 20 always fit the burst; what was refused was not stored.
    expect(acked.slice(0, 20)).toEqual(ids.slice(0, 20));
    const stored = await http.inject({ url: `/api/rooms/${burstRoom.id}/messages?limit=100`, headers: authed() });
    expect(stored.json<{ messages: Message[] }>().messages.map((m) => m.clientMsgId).sort()).toEqual([...acked].sort());
    await barrier(ws);
    expect(isOpen(ws)).toBe(true);
  });

  it('rate-limits HTTP sends too: 429 RATE_LIMITED with retryAfterMs', async () => {
    const sender = await register(server.app, uniqueName('hb'));
    const { room: burstRoom } = await createRoom(server.app, sender, { name: uniqueName('hburst') });
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        http.inject({ method: 'POST', url: `/api/rooms/${burstRoom.id}/messages`, headers: sender.headers, payload: { clientMsgId: randomUUID(), body: `h${i}` } }),
      ),
    );
    const limited = results.filter((r) => r.statusCode === 429);
    expect(results.filter((r) => r.statusCode === 201).length).toBeGreaterThanOrEqual(20);
    expect(limited.length).toBeGreaterThan(0);
    for (const res of limited) {
      const body = expectError(res, 429, 'RATE_LIMITED');
      expect(body.retryAfterMs as number).toBeGreaterThan(0);
    }
  });

  it('answers every room-scoped frame about a room that does not exist with ROOM_NOT_FOUND', async () => {
    const ws = await connect();
    ws.send({ type: 'subscribe', roomId: NO_SUCH_ROOM });
    ws.send({ type: 'typing', roomId: NO_SUCH_ROOM, isTyping: true });
    ws.send({ type: 'read', roomId: NO_SUCH_ROOM, seq: 1 });
    ws.send({ type: 'send', roomId: NO_SUCH_ROOM, clientMsgId: 'to-nowhere', body: 'hi' });
    const aboutRoom = await waitForFrames(ws, (f) => f.type === 'error' && f.ref === NO_SUCH_ROOM, 3);
    expect(aboutRoom.map((f) => f.code)).toEqual(['ROOM_NOT_FOUND', 'ROOM_NOT_FOUND', 'ROOM_NOT_FOUND']);
    const aboutSend = await waitForFrames(ws, (f) => f.type === 'error' && f.ref === 'to-nowhere', 1);
    expect(aboutSend.map((f) => f.code)).toEqual(['ROOM_NOT_FOUND']);
    await barrier(ws);
    expect(ws.frames.filter((f) => f.type === 'error')).toHaveLength(4);
  });
});

describe('files: multipart, attachment ids, file ids, ranges', () => {
  const multipart = (boundary: string, parts: { name: string; filename?: string; body: string | Buffer }[]) =>
    Buffer.concat([
      ...parts.flatMap((p) => [
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}\r\n\r\n`),
        Buffer.isBuffer(p.body) ? p.body : Buffer.from(p.body),
        Buffer.from('\r\n'),
      ]),
      Buffer.from(`--${boundary}--\r\n`),
    ]);
  const post = (payload: Buffer | string, contentType: string, url = '/api/uploads', method: 'POST' | 'PUT' = 'POST') =>
    http.inject({ method, url, headers: { ...alice.headers, 'content-type': contentType }, payload });

  it('answers 400 for a malformed multipart body or one without a boundary, 400 for misplaced parts, 413 for too many', async () => {
    expectError(await post('--nope\r\ngarbage', 'multipart/form-data; boundary=xyz'), 400, 'VALIDATION');
    expectError(await post('anything', 'multipart/form-data'), 400, 'VALIDATION');
    const two = multipart('b1', [
      { name: 'file', filename: 'a.txt', body: 'one' },
      { name: 'file', filename: 'b.txt', body: 'two' },
    ]);
    expectError(await post(two, 'multipart/form-data; boundary=b1'), 400, 'VALIDATION');
    const thumbFirst = multipart('b2', [{ name: 'thumb', filename: 't.png', body: 'x' }]);
    expectError(await post(thumbFirst, 'multipart/form-data; boundary=b2'), 400, 'VALIDATION');
    const many = multipart('b3', Array.from({ length: 5 }, (_, i) => ({ name: `f${i}`, filename: `${i}.txt`, body: 'x' })));
    const tooMany = await post(many, 'multipart/form-data; boundary=b3');
    expect([400, 413]).toContain(tooMany.statusCode);
  });

  it('cleans a file name: no path, no control characters', async () => {
    const body = multipart('b4', [{ name: 'file', filename: '..\\..\\etc/pass\u0007wd.txt', body: 'secret' }]);
    const res = await post(body, 'multipart/form-data; boundary=b4');
    expect(res.statusCode, res.body).toBe(201);
    const name = res.json<{ upload: { name: string } }>().upload.name;
    expect(name).toBe('passwd.txt');
  });

  it('an avatar must be an image: text is 415, JSON is 415', async () => {
    const text = multipart('b5', [{ name: 'file', filename: 'me.png', body: 'not an image at all' }]);
    expectError(await post(text, 'multipart/form-data; boundary=b5', '/api/users/me/avatar', 'PUT'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    const json = await http.inject({ method: 'PUT', url: '/api/users/me/avatar', headers: alice.headers, payload: { file: 'x' } });
    expectError(json, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('attachmentIds: not an array, not UUIDs, repeated, or 11 are 400 over HTTP and an error frame over WebSocket', async () => {
    const id = randomUUID();
    for (const attachmentIds of ['x', [1], ['nope'], [id, id], Array.from({ length: 11 }, () => randomUUID())]) {
      const res = await http.inject({
        method: 'POST',
        url: `/api/rooms/${room.id}/messages`,
        headers: alice.headers,
        payload: { clientMsgId: uniqueName('a'), body: 'x', attachmentIds },
      });
      expectError(res, 400, 'VALIDATION');
    }
    const ws = await connect();
    const ref = uniqueName('w');
    ws.send({ type: 'send', roomId: room.id, clientMsgId: ref, body: 'x', attachmentIds: ['nope'] });
    const frame = await ws.next((f) => f.type === 'error' && f.ref === ref);
    expect(frame).toMatchObject({ code: 'VALIDATION' });
    const empty = uniqueName('w');
    ws.send({ type: 'send', roomId: room.id, clientMsgId: empty, body: '  ', attachmentIds: [] });
    expect(await ws.next((f) => f.type === 'error' && f.ref === empty)).toMatchObject({ code: 'VALIDATION' });
    expect(isOpen(ws)).toBe(true);
  });

  it('file ids must be UUIDs; ranges: malformed is ignored (200), outside is 416, suffix and open-ended are 206', async () => {
    expectError(await http.inject({ url: '/api/files/not-a-uuid', headers: alice.headers }), 400, 'VALIDATION');
    expectError(await http.inject({ url: `/api/files/${randomUUID()}/thumb`, headers: alice.headers }), 404, 'NOT_FOUND');
    const body = multipart('b6', [{ name: 'file', filename: 'digits.txt', body: '0123456789' }]);
    const url = (await post(body, 'multipart/form-data; boundary=b6')).json<{ upload: { url: string } }>().upload.url;
    const get = (range: string) => http.inject({ url, headers: { ...alice.headers, range } });
    expect((await get('bytes=abc')).statusCode).toBe(200);
    expect((await get('bytes=0-1, 4-5')).statusCode).toBe(200);
    const outside = await get('bytes=50-60');
    expect(outside.statusCode).toBe(416);
    expect(outside.headers['content-range']).toBe('bytes */10');
    expect((await get('bytes=-0')).statusCode).toBe(416);
    expect(await get('bytes=-3')).toMatchObject({ statusCode: 206, body: '789' });
    expect(await get('bytes=7-')).toMatchObject({ statusCode: 206, body: '789' });
    expect(await get('bytes=2-4')).toMatchObject({ statusCode: 206, body: '234', headers: { 'content-range': 'bytes 2-4/10' } });
    expect(await get('bytes=8-100')).toMatchObject({ statusCode: 206, body: '89' });
  });
});

describe('after all of that', () => {
  it('never answered a 500', () => {
    expect(http.serverErrors()).toEqual([]);
  });

  it('is still healthy and working', async () => {
    expect((await server.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await server.app.inject({ url: '/readyz' })).statusCode).toBe(200);
    const ws = await connect(bob);
    expect((await ws.subscribe(room.id)).type).toBe('subscribed');
    const clientMsgId = randomUUID();
    ws.send({ type: 'send', roomId: room.id, clientMsgId, body: 'still here' });
    expect(await ws.next((f) => f.type === 'ack' || f.type === 'error')).toMatchObject({ type: 'ack', clientMsgId });
  });
});
