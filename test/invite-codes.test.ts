/**
 * Invite-code rotation (POST /api/rooms/:roomId/invite-code): the owner gets a new code and the old
 * one stops working at once, for strangers and ex-members alike, on every instance.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '../src/protocol.js';
import { createRoom, joinRoom, register, startServer, uniqueName, type Account, type TestServer } from './helpers.js';
import { canRunPair, expectError, startRedisPair } from './authz-helpers.js';

type App = TestServer['app'];
const rotate = (app: App, account: Account, roomId: string) =>
  app.inject({ method: 'POST', url: `/api/rooms/${roomId}/invite-code`, headers: account.headers });
const joinByCode = (app: App, account: Account, inviteCode: string) =>
  app.inject({ method: 'POST', url: '/api/rooms/join', headers: account.headers, payload: { inviteCode } });
const roomOf = async (app: App, account: Account, roomId: string) =>
  (await app.inject({ url: `/api/rooms/${roomId}`, headers: account.headers })).json<{ room: Room; inviteCode?: string }>();

describe('rotating a private room\'s invite code', () => {
  let t: TestServer;
  let owner: Account;
  beforeAll(async () => {
    t = await startServer();
    owner = await register(t.app, uniqueName('own'));
  });
  afterAll(() => t?.close());

  it('gives the owner a new code; the old one answers 404 INVALID_INVITE at once and the new one works', async () => {
    const { room, inviteCode: old } = await createRoom(t.app, owner, { isPrivate: true });
    const res = await rotate(t.app, owner, room.id);
    expect(res.statusCode, res.body).toBe(200);
    const { inviteCode } = res.json<{ inviteCode: string }>();
    expect(inviteCode).toMatch(/^[\w-]{12}$/);
    expect(inviteCode).not.toBe(old);
    expect((await roomOf(t.app, owner, room.id)).inviteCode).toBe(inviteCode);

    const stranger = await register(t.app, uniqueName('str'));
    expectError(await joinByCode(t.app, stranger, old!), 404, 'INVALID_INVITE');
    expectError(await t.app.inject({ url: `/api/rooms/${room.id}`, headers: stranger.headers }), 404, 'ROOM_NOT_FOUND');
    const joined = await joinByCode(t.app, stranger, inviteCode);
    expect(joined.statusCode, joined.body).toBe(200);
    expect(joined.json<{ room: Room }>().room).toMatchObject({ id: room.id, memberCount: 2 });
  });

  it('keeps an ex-member out: after leaving and a rotation, the old code does not let them back', async () => {
    const { room, inviteCode: old } = await createRoom(t.app, owner, { isPrivate: true });
    const ex = await register(t.app, uniqueName('ex'));
    await joinRoom(t.app, ex, room, old);
    expect((await t.app.inject({ method: 'POST', url: `/api/rooms/${room.id}/leave`, headers: ex.headers })).statusCode).toBe(204);
    expect((await rotate(t.app, owner, room.id)).statusCode).toBe(200);
    expectError(await joinByCode(t.app, ex, old!), 404, 'INVALID_INVITE');
    expectError(await t.app.inject({ url: `/api/rooms/${room.id}/messages`, headers: ex.headers }), 404, 'ROOM_NOT_FOUND');
  });

  it('refuses members (403 FORBIDDEN) and outsiders (404), leaving the code as it was', async () => {
    const { room, inviteCode } = await createRoom(t.app, owner, { isPrivate: true });
    const member = await register(t.app, uniqueName('mem'));
    await joinRoom(t.app, member, room, inviteCode);
    expectError(await rotate(t.app, member, room.id), 403, 'FORBIDDEN');
    expectError(await rotate(t.app, await register(t.app, uniqueName('out')), room.id), 404, 'ROOM_NOT_FOUND');
    expect((await roomOf(t.app, owner, room.id)).inviteCode).toBe(inviteCode);
  });

  it('lets a new owner rotate once ownership passed to them', async () => {
    const { room, inviteCode } = await createRoom(t.app, owner, { isPrivate: true });
    const heir = await register(t.app, uniqueName('heir'));
    await joinRoom(t.app, heir, room, inviteCode);
    const leaver = await register(t.app, uniqueName('own2'));
    await joinRoom(t.app, leaver, room, inviteCode);
    // The room's owner leaves: the longest-standing member (heir) is the owner now.
    expect((await t.app.inject({ method: 'POST', url: `/api/rooms/${room.id}/leave`, headers: owner.headers })).statusCode).toBe(204);
    expect((await rotate(t.app, heir, room.id)).statusCode).toBe(200);
    expectError(await rotate(t.app, leaver, room.id), 403, 'FORBIDDEN');
  });
});

describe.skipIf(!canRunPair)('rotation across two instances sharing Redis and Postgres', () => {
  let pair: Awaited<ReturnType<typeof startRedisPair>>;
  beforeAll(async () => {
    pair = await startRedisPair();
  });
  afterAll(() => pair?.close());

  it('a code rotated on one instance is dead on the other at once', async () => {
    const { a, b } = pair;
    const owner = await register(a.app, uniqueName('own'));
    const { room, inviteCode: old } = await createRoom(a.app, owner, { isPrivate: true });
    // The other instance has served the old code before the rotation.
    const early = await register(b.app, uniqueName('early'));
    expect((await joinByCode(b.app, early, old!)).statusCode).toBe(200);
    const { inviteCode } = (await rotate(a.app, owner, room.id)).json<{ inviteCode: string }>();
    const late = await register(b.app, uniqueName('late'));
    expectError(await joinByCode(b.app, late, old!), 404, 'INVALID_INVITE');
    expect((await joinByCode(b.app, late, inviteCode)).statusCode).toBe(200);
  });
});
