/**
 * Nobody can lock someone else out (issue 9, item 11): failures count per (account, address) pair
 * first, the account locks only at the higher account-wide threshold, and a client that has logged
 * in to the account before (the signed `rtchat_device` cookie) gets in with the right password
 * even while the account is locked for everyone else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { register, startServer, uniqueName, type Account, type TestServer } from './helpers.js';
import { expectError } from './authz-helpers.js';

const PASSWORD = 'correct horse battery';
const WRONG = 'wrong password';
let t: TestServer;
let ip = 0;
const freshIp = () => `10.8.${Math.floor(++ip / 250)}.${(ip % 250) + 1}`;

beforeAll(async () => {
  // The contract's defaults: 5 failures per account and per address, hence 3 per pair.
  t = await startServer();
});
afterAll(() => t?.close());

function login(account: Account, password: string, remoteAddress = freshIp(), device?: string): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { login: account.user.username, password },
    remoteAddress,
    ...(device ? { cookies: { rtchat_device: device } } : {}),
  });
}

function deviceCookie(res: LightMyRequestResponse) {
  const cookie = res.cookies.find((c) => c.name === 'rtchat_device');
  if (!cookie) throw new Error(`no device cookie in ${res.statusCode} ${res.body}`);
  return cookie;
}

/** Locks the account for clients without its device cookie: 3 failures from one address, 2 from another. */
async function lockOut(account: Account): Promise<string[]> {
  const addresses = [freshIp(), freshIp()];
  for (let i = 0; i < 3; i++) expectError(await login(account, WRONG, addresses[0]), 401, 'INVALID_CREDENTIALS');
  for (let i = 0; i < 2; i++) expectError(await login(account, WRONG, addresses[1]), 401, 'INVALID_CREDENTIALS');
  expectError(await login(account, PASSWORD), 429, 'RATE_LIMITED');
  return addresses;
}

describe('per (account, address) pair first', () => {
  it('throttles one address after 3 failures while the right password from elsewhere still works', async () => {
    const user = await register(t.app, uniqueName('pair'));
    const attacker = freshIp();
    for (let i = 0; i < 3; i++) expectError(await login(user, WRONG, attacker), 401, 'INVALID_CREDENTIALS');
    const body = expectError(await login(user, PASSWORD, attacker), 429, 'RATE_LIMITED');
    expect(body.retryAfterMs as number).toBeLessThanOrEqual(15 * 60_000);
    expect((await login(user, PASSWORD, freshIp())).statusCode).toBe(200);
  });

  it('a pair throttle is about that account only: the same address still logs in to others', async () => {
    const victim = await register(t.app, uniqueName('pv'));
    const other = await register(t.app, uniqueName('po'));
    const address = freshIp();
    for (let i = 0; i < 3; i++) expectError(await login(victim, WRONG, address), 401, 'INVALID_CREDENTIALS');
    expectError(await login(victim, PASSWORD, address), 429, 'RATE_LIMITED');
    expect((await login(other, PASSWORD, address)).statusCode).toBe(200);
  });

  it('locks the account outright at 5 failures from several addresses, for every client without its device', async () => {
    const user = await register(t.app, uniqueName('acct'));
    await lockOut(user);
    expectError(await login(user, PASSWORD, freshIp()), 429, 'RATE_LIMITED');
  });
});

describe('the device cookie', () => {
  it('is set at sign-up and login: signed, HttpOnly, SameSite=Lax, for /api/auth only, and is no session', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/register', payload: { username: uniqueName('dc'), password: PASSWORD } });
    const cookie = deviceCookie(res);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/api/auth' });
    expect(cookie.maxAge).toBeGreaterThan(0);
    const user = res.json<{ user: Account['user'] }>().user;
    expect(cookie.value).toContain(user.id);
    // It opens nothing by itself.
    expectError(await t.app.inject({ url: '/api/auth/me', cookies: { rtchat_device: cookie.value } }), 401, 'UNAUTHORIZED');
    expectError(await t.app.inject({ url: '/api/auth/me', headers: { authorization: `Bearer ${cookie.value}` } }), 401, 'UNAUTHORIZED');
  });

  it('lets a client that logged in before in with the right password while the account is locked, from any address', async () => {
    const user = await register(t.app, uniqueName('dev'));
    const device = deviceCookie(await login(user, PASSWORD)).value;
    const [attacker] = await lockOut(user);
    const ok = await login(user, PASSWORD, attacker, device);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(deviceCookie(ok).value).not.toBe('');
    // ... without unlocking the account for anybody else.
    expectError(await login(user, PASSWORD, freshIp()), 429, 'RATE_LIMITED');
  });

  it('survives logout, and keeps its device id across logins', async () => {
    const user = await register(t.app, uniqueName('keep'));
    const first = await login(user, PASSWORD);
    const device = deviceCookie(first).value;
    const token = first.json<{ token: string }>().token;
    const out = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { authorization: `Bearer ${token}` }, cookies: { rtchat_device: device } });
    expect(out.statusCode).toBe(204);
    expect(out.cookies.find((c) => c.name === 'rtchat_device')).toBeUndefined();
    const again = deviceCookie(await login(user, PASSWORD, freshIp(), device)).value;
    const idOf = (value: string) => value.split('.')[1];
    expect(idOf(again)).toBe(idOf(device));
  });

  it('is refused for another account, when tampered with, or unsigned', async () => {
    const victim = await register(t.app, uniqueName('vic'));
    const stranger = await register(t.app, uniqueName('strg'));
    const strangersDevice = deviceCookie(await login(stranger, PASSWORD)).value;
    const victimsDevice = deviceCookie(await login(victim, PASSWORD)).value;
    await lockOut(victim);
    const [userId, deviceId, rest] = victimsDevice.split('.');
    const forged = [
      strangersDevice,
      `${stranger.user.id}.${deviceId}.${rest}`,
      `${userId}.${deviceId}.${Date.now()}`,
      victimsDevice.slice(0, -2) + (victimsDevice.endsWith('A') ? 'BB' : 'AA'),
      'garbage',
    ];
    for (const device of forged) expectError(await login(victim, PASSWORD, freshIp(), device), 429, 'RATE_LIMITED');
  });

  it('counts wrong passwords on the device itself: 5, then even that device waits', async () => {
    const user = await register(t.app, uniqueName('dw'));
    const device = deviceCookie(await login(user, PASSWORD)).value;
    for (let i = 0; i < 5; i++) expectError(await login(user, WRONG, freshIp(), device), 401, 'INVALID_CREDENTIALS');
    expectError(await login(user, PASSWORD, freshIp(), device), 429, 'RATE_LIMITED');
    // Its guesses did not count against the account: other clients are not locked out.
    expect((await login(user, PASSWORD, freshIp())).statusCode).toBe(200);
  });
});
