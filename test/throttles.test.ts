/**
 * Throttles on room creation (per user) and invite-code attempts (per user and per client
 * address, across accounts): on one instance, and counted once across two instances sharing Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createRoom, register, startServer, uniqueName, type Account, type TestServer } from './helpers.js';
import { canRunPair, expectError, startRedisPair } from './authz-helpers.js';

type App = TestServer['app'];
const LIMITS = { ROOM_CREATE_PER_HOUR: '3', INVITE_PER_IP_PER_MINUTE: '5', INVITE_PER_MINUTE: '100' };

const createAs = (app: App, account: Account, name = uniqueName('room'), isPrivate = false) =>
  app.inject({ method: 'POST', url: '/api/rooms', headers: account.headers, payload: { name, isPrivate } });
const inviteAs = (app: App, account: Account, inviteCode: string, remoteAddress: string) =>
  app.inject({ method: 'POST', url: '/api/rooms/join', headers: account.headers, payload: { inviteCode }, remoteAddress });

describe('throttles on one instance', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer(LIMITS);
  });
  afterAll(() => t?.close());

  it('lets a user create ROOM_CREATE_PER_HOUR rooms (public or private), then 429 with retryAfterMs', async () => {
    const user = await register(t.app, uniqueName('maker'));
    expect((await createAs(t.app, user)).statusCode).toBe(201);
    expect((await createAs(t.app, user, uniqueName('p'), true)).statusCode).toBe(201);
    expect((await createAs(t.app, user)).statusCode).toBe(201);
    const refused = await createAs(t.app, user);
    const body = expectError(refused, 429, 'RATE_LIMITED');
    expect(body.retryAfterMs as number).toBeGreaterThan(0);
    expect(body.retryAfterMs as number).toBeLessThanOrEqual(3_600_000);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Per user: someone else still creates rooms.
    expect((await createAs(t.app, await register(t.app, uniqueName('other')))).statusCode).toBe(201);
  });

  it('does not count refused creations (a taken name, a bad name)', async () => {
    const user = await register(t.app, uniqueName('careful'));
    const taken = uniqueName('taken');
    expect((await createAs(t.app, user, taken)).statusCode).toBe(201);
    for (let i = 0; i < 5; i++) expectError(await createAs(t.app, user, taken), 409, 'ROOM_NAME_TAKEN');
    for (let i = 0; i < 5; i++) expectError(await createAs(t.app, user, '\u200B'), 400, 'VALIDATION');
    expect((await createAs(t.app, user)).statusCode).toBe(201);
    expect((await createAs(t.app, user)).statusCode).toBe(201);
    expectError(await createAs(t.app, user), 429, 'RATE_LIMITED');
  });

  it('limits invite attempts per address across accounts; another address is unaffected', async () => {
    const owner = await register(t.app, uniqueName('own'));
    const { inviteCode } = await createRoom(t.app, owner, { isPrivate: true });
    const address = '10.42.0.1';
    for (let i = 0; i < 5; i++) {
      const guesser = await register(t.app, uniqueName('g'));
      expectError(await inviteAs(t.app, guesser, `guess-${randomUUID()}`, address), 404, 'INVALID_INVITE');
    }
    const sixth = await register(t.app, uniqueName('g'));
    const body = expectError(await inviteAs(t.app, sixth, inviteCode!, address), 429, 'RATE_LIMITED');
    expect(body.retryAfterMs as number).toBeLessThanOrEqual(60_000);
    expect((await inviteAs(t.app, sixth, inviteCode!, '10.42.0.2')).statusCode).toBe(200);
  });
});

describe.skipIf(!canRunPair)('throttles across two instances sharing Redis', () => {
  let pair: Awaited<ReturnType<typeof startRedisPair>>;
  beforeAll(async () => {
    pair = await startRedisPair(LIMITS);
  });
  afterAll(() => pair?.close());

  it('counts room creations of one user once over both instances', async () => {
    const { a, b } = pair;
    const user = await register(a.app, uniqueName('both'));
    expect((await createAs(a.app, user)).statusCode).toBe(201);
    expect((await createAs(b.app, user)).statusCode).toBe(201);
    expect((await createAs(a.app, user)).statusCode).toBe(201);
    expectError(await createAs(b.app, user), 429, 'RATE_LIMITED');
    expectError(await createAs(a.app, user), 429, 'RATE_LIMITED');
  });

  it('counts invite attempts of one address once over both instances', async () => {
    const { a, b } = pair;
    const owner = await register(a.app, uniqueName('own'));
    const { inviteCode } = await createRoom(a.app, owner, { isPrivate: true });
    const address = '10.43.0.1';
    for (let i = 0; i < 5; i++) {
      const guesser = await register(a.app, uniqueName('g'));
      expectError(await inviteAs(i % 2 ? a.app : b.app, guesser, `guess-${randomUUID()}`, address), 404, 'INVALID_INVITE');
    }
    const late = await register(b.app, uniqueName('late'));
    expectError(await inviteAs(b.app, late, inviteCode!, address), 429, 'RATE_LIMITED');
    expectError(await inviteAs(a.app, late, inviteCode!, address), 429, 'RATE_LIMITED');
  });
});
