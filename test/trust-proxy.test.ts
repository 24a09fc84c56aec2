/**
 * TRUST_PROXY (issue 9 item 2): behind the configured proxies, the client IP that per-IP limits
 * count is the one the nearest trusted proxy saw, whatever the client wrote into X-Forwarded-For.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { createTestDatabase, startServer, uniqueName, type TestDatabase } from './helpers.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

/** A registration as the proxy forwards it: what the client sent, then what the proxy appended. */
async function registerVia(url: string, forwardedFor: string): Promise<number> {
  const res = await fetch(`${url}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
    body: JSON.stringify({ username: uniqueName(), password: 'correct horse battery' }),
  });
  await res.arrayBuffer();
  return res.status;
}

const forged = () => `${randomBytes(1)[0]}.${randomBytes(1)[0]}.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;

describe.each([
  ['one hop', '1'],
  ['the proxy address', '127.0.0.1'],
  ['the proxy CIDR', '127.0.0.0/8, ::1'],
])('TRUST_PROXY as %s', (_label, trustProxy) => {
  it('counts the address the proxy appended, not the one the client sent', async () => {
    const server = await startServer({ TRUST_PROXY: trustProxy, REGISTER_PER_HOUR: '3' }, db);
    try {
      for (let i = 0; i < 3; i++) expect(await registerVia(server.url, `${forged()}, 203.0.113.7`)).toBe(201);
      // A fresh forged value each time does not escape the limit.
      expect(await registerVia(server.url, `${forged()}, 203.0.113.7`)).toBe(429);
      expect(await registerVia(server.url, `${forged()}, ${forged()}, 203.0.113.7`)).toBe(429);
      // Another client behind the same proxy has its own budget.
      expect(await registerVia(server.url, `${forged()}, 203.0.113.8`)).toBe(201);
    } finally {
      await server.close();
    }
  });
});

describe('TRUST_PROXY', () => {
  it('ignores X-Forwarded-For from a peer that is not a configured proxy', async () => {
    const server = await startServer({ TRUST_PROXY: '10.9.9.9', REGISTER_PER_HOUR: '2' }, db);
    try {
      for (let i = 0; i < 2; i++) expect(await registerVia(server.url, forged())).toBe(201);
      expect(await registerVia(server.url, forged())).toBe(429);
    } finally {
      await server.close();
    }
  });

  it('refuses "true" at start, explaining the choices', () => {
    const load = (value: string) => () => loadConfig({ SESSION_SECRET: 'trust-proxy-secret-trust-proxy-secret-01', TRUST_PROXY: value });
    expect(load('true')).toThrow(ConfigError);
    expect(load('true')).toThrow(/TRUST_PROXY=1 for one nginx/);
    expect(load('10.0.0.1, not-an-ip')).toThrow(/not: not-an-ip/);
    expect(load('10.0.0.0/33')).toThrow(ConfigError);
    expect(loadConfig({ SESSION_SECRET: 'trust-proxy-secret-trust-proxy-secret-01', TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ SESSION_SECRET: 'trust-proxy-secret-trust-proxy-secret-01', TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ SESSION_SECRET: 'trust-proxy-secret-trust-proxy-secret-01', TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toEqual([
      'loopback',
      '10.0.0.0/8',
    ]);
  });
});
