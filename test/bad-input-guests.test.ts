/**
 * Bad input to the guest routes: every malformed body answers 400 VALIDATION in the contract's
 * shape (never a 5xx), and nothing is created or changed by it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startServer, type Account, type TestServer } from './helpers.js';
import { expectError, recorder } from './authz-helpers.js';
import { createGuest } from './guest-helpers.js';

let server: TestServer;
let guest: Account;
const http = recorder(() => server.app);
const userCount = async () => Number((await server.db.database.rows<{ n: number }>(sql`SELECT count(*)::int AS n FROM users`))[0]!.n);

beforeAll(async () => {
  server = await startServer({ GUEST_CREATE_PER_HOUR: '100000' });
  guest = await createGuest(server.app);
});
afterAll(async () => {
  expect(http.serverErrors()).toEqual([]);
  await server?.close();
});

describe('POST /api/auth/guest with bad input', () => {
  it.each<[string, unknown]>([
    ['no body', undefined],
    ['an empty object', {}],
    ['a number', { username: 42 }],
    ['too short', { username: 'ab' }],
    ['too long', { username: 'a'.repeat(25) }],
    ['spaces', { username: 'two words' }],
    ['a hyphen (the removed-guest form)', { username: 'deleted-guest-0123' }],
    ['unicode', { username: 'zoë_x' }],
    ['an array', [{ username: 'fine_name' }]],
  ])('%s -> 400 VALIDATION, nothing created', async (_label, payload) => {
    const before = await userCount();
    const res = await http.inject({ method: 'POST', url: '/api/auth/guest', ...(payload === undefined ? {} : { payload: payload as object }) });
    expectError(res, 400, 'VALIDATION');
    expect(await userCount()).toBe(before);
  });

  it('drops unknown fields (the house rule): a password sent along makes no full account', async () => {
    const res = await http.inject({ method: 'POST', url: '/api/auth/guest', payload: { username: 'extra_field_g', password: 'no passwords here', isGuest: false } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ user: { isGuest: true } });
    expectError(await http.inject({ method: 'POST', url: '/api/auth/login', payload: { login: 'extra_field_g', password: 'no passwords here' } }), 401, 'INVALID_CREDENTIALS');
  });

  it('a body that is not JSON -> 400', async () => {
    const res = await http.inject({ method: 'POST', url: '/api/auth/guest', headers: { 'content-type': 'application/json' }, payload: '{"username":' });
    expect(res.statusCode).toBe(400);
  });
});

describe('POST /api/auth/upgrade with bad input', () => {
  it.each<[string, unknown]>([
    ['no password', {}],
    ['a short password', { password: 'short' }],
    ['a too long password', { password: 'x'.repeat(2000) }],
    ['a bad email', { password: 'a long password', email: 'not-an-email' }],
    ['a number password', { password: 12345678901 }],
  ])('%s -> 400 VALIDATION, still a guest', async (_label, payload) => {
    expectError(await http.inject({ method: 'POST', url: '/api/auth/upgrade', headers: guest.headers, payload: payload as object }), 400, 'VALIDATION');
    expect((await http.inject({ url: '/api/auth/me', headers: guest.headers })).json()).toMatchObject({ user: { isGuest: true } });
  });
});
