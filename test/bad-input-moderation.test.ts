/**
 * Bad input to the moderation routes (issue 12), beside test/bad-input.test.ts: malformed ids,
 * bodies of the wrong shape (unknown fields are dropped, as on every route), out-of-range slow mode, blank or invisible names, unknown roles,
 * forged audit cursors. Every answer is a 4xx in the contract's shape, never a 5xx, and a refused
 * request changes nothing.
 */
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '../src/protocol.js';
import { LIMITS } from '../src/protocol.js';
import { expectError, forgeCursor, recorder } from './authz-helpers.js';
import { createRoom, joinRoom, register, startServer, uniqueName, type Account, type TestServer } from './helpers.js';

let server: TestServer;
let owner: Account;
let member: Account;
let room: Room;
const http = recorder(() => server.app);

beforeAll(async () => {
  server = await startServer();
  owner = await register(server.app, uniqueName('owner'));
  member = await register(server.app, uniqueName('member'));
  ({ room } = await createRoom(server.app, owner));
  await joinRoom(server.app, member, room);
});
afterAll(() => server?.close());

const as = (opts: InjectOptions) => http.inject({ ...opts, headers: owner.headers });

describe('moderation bad input', () => {
  const BAD_IDS = ['abc', '1', 'null', '0b0e2f6c5d1a4c3e9f0000000000dead', '%F0%9F%98%80', "1'%20OR%20'1'%3D'1"];
  const routes = (roomId: string, userId: string): InjectOptions[] => [
    { method: 'PATCH', url: `/api/rooms/${roomId}`, payload: { description: 'x' } },
    { method: 'DELETE', url: `/api/rooms/${roomId}` },
    { method: 'PUT', url: `/api/rooms/${roomId}/members/${userId}/role`, payload: { role: 'moderator' } },
    { method: 'POST', url: `/api/rooms/${roomId}/members/${userId}/kick` },
    { method: 'PUT', url: `/api/rooms/${roomId}/bans/${userId}`, payload: {} },
    { method: 'DELETE', url: `/api/rooms/${roomId}/bans/${userId}` },
    { method: 'GET', url: `/api/rooms/${roomId}/bans` },
    { method: 'GET', url: `/api/rooms/${roomId}/audit` },
  ];

  it.each(BAD_IDS)('a room or user id of %s -> 400 VALIDATION on every route', async (bad) => {
    const userRoutes = routes(room.id, 'USER').filter((o) => String(o.url).includes('USER'));
    for (const opts of [...routes(bad, member.user.id), ...userRoutes.map((o) => ({ ...o, url: String(o.url).replace('USER', bad) }))]) {
      expectError(await as(opts), 400, 'VALIDATION');
    }
  });

  it.each([
    ['an empty patch', {}],
    ['only an unknown field', { topic: 'x' }],
    ['slowModeSec below 0', { slowModeSec: -1 }],
    ['slowModeSec above the max', { slowModeSec: LIMITS.SLOW_MODE_MAX_SEC + 1 }],
    ['slowModeSec not an integer', { slowModeSec: 1.5 }],
    ['slowModeSec as a string', { slowModeSec: '10' }],
    ['a blank name', { name: '   ' }],
    ['an invisible name', { name: '\u200b\u200b' }],
    ['a name too long', { name: 'x'.repeat(LIMITS.ROOM_NAME_MAX + 1) }],
    ['a description too long', { description: 'x'.repeat(LIMITS.ROOM_DESCRIPTION_MAX + 1) }],
    ['a control character in the description', { description: 'a\u0007b' }],
    ['a name of the wrong type', { name: 42 }],
    ['an array body', [1, 2]],
  ])('PATCH with %s -> 400 VALIDATION, room unchanged', async (_what, payload) => {
    expectError(await as({ method: 'PATCH', url: `/api/rooms/${room.id}`, payload: payload as object }), 400, 'VALIDATION');
    const now = (await as({ method: 'GET', url: `/api/rooms/${room.id}` })).json<{ room: Room }>().room;
    expect(now).toMatchObject({ name: room.name, description: '', slowModeSec: 0 });
  });

  it.each([
    ['an unknown role', { role: 'admin' }],
    ['no role', {}],
    ['a role of the wrong type', { role: 1 }],
  ])('PUT role with %s -> 400 VALIDATION', async (_what, payload) => {
    expectError(await as({ method: 'PUT', url: `/api/rooms/${room.id}/members/${member.user.id}/role`, payload }), 400, 'VALIDATION');
  });

  it.each([
    ['a reason too long', { reason: 'x'.repeat(LIMITS.BAN_REASON_MAX + 1) }],
    ['a reason of the wrong type', { reason: 5 }],
    ['a control character in the reason', { reason: 'a\u0000b' }],
  ])('PUT ban with %s -> 400 VALIDATION, nobody banned', async (_what, payload) => {
    expectError(await as({ method: 'PUT', url: `/api/rooms/${room.id}/bans/${member.user.id}`, payload }), 400, 'VALIDATION');
    expect((await as({ method: 'GET', url: `/api/rooms/${room.id}/bans` })).json<{ bans: unknown[] }>().bans).toEqual([]);
  });

  it.each([
    ['not base64 JSON', '!!!'],
    ['a number', forgeCursor(5)],
    ['a wrong key', forgeCursor({ a: '0b0e2f6c-5d1a-4c3e-9f00-00000000dead' })],
    ['an extra key', forgeCursor({ b: '0b0e2f6c-5d1a-4c3e-9f00-00000000dead', x: 1 })],
    ['a non-uuid', forgeCursor({ b: "' OR 1=1 --" })],
  ])('GET audit with a cursor that is %s -> 400 VALIDATION', async (_what, cursor) => {
    expectError(await as({ method: 'GET', url: `/api/rooms/${room.id}/audit?cursor=${encodeURIComponent(cursor)}` }), 400, 'VALIDATION');
  });

  it.each(['0', '101', '-1', 'ten'])('GET audit with limit=%s -> 400 VALIDATION', async (limit) => {
    expectError(await as({ method: 'GET', url: `/api/rooms/${room.id}/audit?limit=${limit}` }), 400, 'VALIDATION');
  });

  it('a ban of a user id that names nobody -> 404 NOT_FOUND; role or kick of a non-member -> 404 NOT_A_MEMBER', async () => {
    const nobody = '0b0e2f6c-5d1a-4c3e-9f00-00000000dead';
    expectError(await as({ method: 'PUT', url: `/api/rooms/${room.id}/bans/${nobody}`, payload: {} }), 404, 'NOT_FOUND');
    expectError(await as({ method: 'PUT', url: `/api/rooms/${room.id}/members/${nobody}/role`, payload: { role: 'member' } }), 404, 'NOT_A_MEMBER');
    expectError(await as({ method: 'POST', url: `/api/rooms/${room.id}/members/${nobody}/kick` }), 404, 'NOT_A_MEMBER');
  });

  it('never answered a 5xx', () => {
    expect(http.serverErrors()).toEqual([]);
  });
});
