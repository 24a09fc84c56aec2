/**
 * The failed-login throttle under concurrency: guesses sent together are counted before their
 * password is verified, so a burst runs at most LOGIN_MAX_FAILURES real verifications (counted by
 * wrapping argon2's verify), on one instance and across two instances sharing Redis.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { register, startServer, uniqueName, type TestServer } from './helpers.js';
import { canRunPair, expectError, startRedisPair } from './authz-helpers.js';

/** Verifications seen by argon2 (across every app in this worker), and the most at once. */
const argon = vi.hoisted(() => ({ calls: 0, running: 0, maxRunning: 0 }));
vi.mock('@node-rs/argon2', async (importOriginal) => {
  const real = await importOriginal<typeof import('@node-rs/argon2')>();
  return {
    ...real,
    verify: async (...args: Parameters<typeof real.verify>) => {
      argon.calls++;
      argon.running++;
      argon.maxRunning = Math.max(argon.maxRunning, argon.running);
      try {
        return await real.verify(...args);
      } finally {
        argon.running--;
      }
    },
  };
});

const PASSWORD = 'correct horse battery';
let ipCounter = 0;
const freshIp = () => `10.7.${Math.floor(++ipCounter / 250)}.${(ipCounter % 250) + 1}`;

type App = TestServer['app'];
const login = (app: App, login: string, password: string, remoteAddress = freshIp()) =>
  app.inject({ method: 'POST', url: '/api/auth/login', payload: { login, password }, remoteAddress });

function statusCounts(statuses: number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
  return counts;
}

beforeEach(() => {
  argon.calls = 0;
  argon.maxRunning = 0;
});

describe('parallel logins on one instance', () => {
  let loose: TestServer;
  let strict: TestServer;
  beforeAll(async () => {
    // `loose` lifts the per-account concurrency bound so the reservation alone is under test.
    loose = await startServer({ LOGIN_MAX_CONCURRENT: '1000' });
    strict = await startServer();
  });
  afterAll(async () => {
    await loose?.close();
    await strict?.close();
  });

  it('30 parallel wrong guesses from 30 addresses run exactly 5 verifications; the rest and then the right password get 429', async () => {
    const victim = await register(loose.app, uniqueName('par'));
    argon.calls = 0;
    const burst = await Promise.all(Array.from({ length: 30 }, () => login(loose.app, victim.user.username, 'wrong password')));
    const right = await login(loose.app, victim.user.username, PASSWORD);
    expect(statusCounts(burst.map((r) => r.statusCode))).toEqual({ 401: 5, 429: 25 });
    for (const res of burst.filter((r) => r.statusCode === 429)) expectError(res, 429, 'RATE_LIMITED');
    expectError(right, 429, 'RATE_LIMITED');
    expect(argon.calls).toBe(5);
  });

  it('a parallel burst for a name that does not exist is bounded the same way', async () => {
    argon.calls = 0;
    const name = uniqueName('ghost');
    const burst = await Promise.all(Array.from({ length: 20 }, () => login(loose.app, name, 'guess')));
    expect(statusCounts(burst.map((r) => r.statusCode))).toEqual({ 401: 5, 429: 15 });
    expect(argon.calls).toBe(5);
  });

  it('runs at most 2 verifications per account at once; the others answer 429 without verifying', async () => {
    const victim = await register(strict.app, uniqueName('conc'));
    argon.calls = 0;
    argon.maxRunning = 0;
    const burst = await Promise.all(Array.from({ length: 30 }, () => login(strict.app, victim.user.username, 'wrong password')));
    const counts = statusCounts(burst.map((r) => r.statusCode));
    expect(argon.maxRunning).toBeLessThanOrEqual(2);
    expect(argon.calls).toBeLessThanOrEqual(5);
    expect(counts[401]).toBe(argon.calls);
    expect(counts[429]).toBe(30 - argon.calls);
    for (const res of burst.filter((r) => r.statusCode === 429)) expectError(res, 429, 'RATE_LIMITED');
  });

  it('gives a correct password its reservation back: successes never use up the address budget', async () => {
    const user = await register(strict.app, uniqueName('ok'));
    const address = freshIp();
    for (let i = 0; i < 4; i++) expectError(await login(strict.app, uniqueName('nobody'), 'wrong password', address), 401, 'INVALID_CREDENTIALS');
    for (let i = 0; i < 8; i++) expect((await login(strict.app, user.user.username, PASSWORD, address)).statusCode).toBe(200);
    // Still exactly 4 failures counted for the address: one more is answered, the next is refused.
    expectError(await login(strict.app, uniqueName('nobody'), 'wrong password', address), 401, 'INVALID_CREDENTIALS');
    expectError(await login(strict.app, user.user.username, PASSWORD, address), 429, 'RATE_LIMITED');
  });
});

describe.skipIf(!canRunPair)('parallel logins across two instances sharing Redis', () => {
  let pair: Awaited<ReturnType<typeof startRedisPair>>;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    pair = await startRedisPair({ LOGIN_MAX_CONCURRENT: '1000' });
    ({ a, b } = pair);
  });
  afterAll(() => pair?.close());

  it('30 parallel guesses split over both instances run exactly 5 verifications in all', async () => {
    const victim = await register(a.app, uniqueName('dual'));
    argon.calls = 0;
    const burst = await Promise.all(Array.from({ length: 30 }, (_, i) => login(i % 2 ? a.app : b.app, victim.user.username, 'wrong password')));
    expect(statusCounts(burst.map((r) => r.statusCode))).toEqual({ 401: 5, 429: 25 });
    expect(argon.calls).toBe(5);
    expectError(await login(b.app, victim.user.username, PASSWORD), 429, 'RATE_LIMITED');
    expectError(await login(a.app, victim.user.username, PASSWORD), 429, 'RATE_LIMITED');
  });

  it('gives reservations back in Redis too: successes on either instance never use up the address budget', async () => {
    const { a, b } = pair;
    const user = await register(a.app, uniqueName('dualok'));
    const address = freshIp();
    for (let i = 0; i < 4; i++) expectError(await login(i % 2 ? a.app : b.app, uniqueName('nobody'), 'wrong password', address), 401, 'INVALID_CREDENTIALS');
    for (let i = 0; i < 6; i++) expect((await login(i % 2 ? a.app : b.app, user.user.username, PASSWORD, address)).statusCode).toBe(200);
    expectError(await login(a.app, uniqueName('nobody'), 'wrong password', address), 401, 'INVALID_CREDENTIALS');
    expectError(await login(b.app, user.user.username, PASSWORD, address), 429, 'RATE_LIMITED');
  });
});
