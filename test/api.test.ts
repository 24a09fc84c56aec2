/** Health, OpenAPI, the JSON 404 for unknown API paths and the SPA fallback for client routes. */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../src/app.js';
import { createTestDatabase, register, testConfig, type TestDatabase } from './helpers.js';
import type { FastifyInstance } from 'fastify';

let db: TestDatabase;
let app: FastifyInstance;

beforeAll(async () => {
  db = await createTestDatabase();
  const publicDir = mkdtempSync(path.join(tmpdir(), 'rtchat-public-'));
  mkdirSync(path.join(publicDir, 'assets'));
  writeFileSync(path.join(publicDir, 'index.html'), '<!doctype html><title>RtChat</title><div id="root"></div>');
  writeFileSync(path.join(publicDir, 'assets', 'app-abc123.js'), 'console.log(1)'.repeat(200));
  writeFileSync(path.join(publicDir, 'assets', 'app-abc123.js.map'), '{"version":3,"sources":["secret.ts"]}');
  app = await buildApp({ config: testConfig(), database: db.database, logger: false, publicDir });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await db?.drop();
});

describe('health', () => {
  it('answers /healthz and /readyz', async () => {
    expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready' });
  });
});

describe('GET /api/auth/session (the start-up probe)', () => {
  it('answers 200 {user: null} for anonymous, with no-store, while /me keeps its 401', async () => {
    const res = await app.inject('/api/auth/session');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ user: null });
    expect(res.headers['cache-control']).toBe('no-store');
    const me = await app.inject('/api/auth/me');
    expect(me.statusCode).toBe(401);
    expect(me.json()).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' });
  });

  it('answers the user for a live session (cookie or bearer), and null once it is revoked or the token is bad', async () => {
    const account = await register(app);
    const viaBearer = await app.inject({ url: '/api/auth/session', headers: account.headers });
    expect(viaBearer.statusCode).toBe(200);
    expect(viaBearer.json()).toEqual({ user: account.user });
    const cookie = { cookie: `rtchat_session=${account.token}` };
    expect((await app.inject({ url: '/api/auth/session', headers: cookie })).json()).toEqual({ user: account.user });

    const out = await app.inject({ method: 'POST', url: '/api/auth/logout', headers: account.headers });
    expect(out.statusCode).toBe(204);
    for (const headers of [account.headers, cookie, { authorization: 'Bearer not-a-token' }, { cookie: 'rtchat_session=garbage' }]) {
      const res = await app.inject({ url: '/api/auth/session', headers });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ user: null });
    }
  });
});

describe('OpenAPI', () => {
  it('documents every REST route of the contract from the route schemas', async () => {
    const res = await app.inject('/api/openapi.json');
    expect(res.statusCode).toBe(200);
    const doc = res.json<{ openapi: string; paths: Record<string, Record<string, unknown>> }>();
    expect(doc.openapi).toMatch(/^3\./);
    const routes = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    for (const route of [
      'POST /api/auth/register',
      'POST /api/auth/login',
      'POST /api/auth/logout',
      'GET /api/auth/me',
      'GET /api/auth/session',
      'GET /api/rooms',
      'GET /api/rooms/joined',
      'POST /api/rooms',
      'GET /api/rooms/{roomId}',
      'POST /api/rooms/{roomId}/join',
      'POST /api/rooms/join',
      'POST /api/rooms/{roomId}/leave',
      'GET /api/rooms/{roomId}/members',
      'GET /api/rooms/{roomId}/messages',
      'POST /api/rooms/{roomId}/messages',
      'POST /api/rooms/{roomId}/read',
      'GET /healthz',
      'GET /readyz',
    ]) {
      expect(routes).toContain(route);
    }
  });
});

describe('static app', () => {
  it('serves index.html for client routes and JSON 404 for unknown API paths', async () => {
    for (const url of ['/', '/rooms/123', '/join/abcdef']) {
      const res = await app.inject(url);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    }
    const api = await app.inject('/api/nope');
    expect(api.statusCode).toBe(404);
    expect(api.json()).toMatchObject({ statusCode: 404, code: 'NOT_FOUND', error: 'Not Found' });
    const post = await app.inject({ method: 'POST', url: '/api/rooms/x/y/z' });
    expect(post.statusCode).toBe(404);
    expect((await app.inject('/assets/missing.js')).statusCode).toBe(404);
  });

  it('serves hashed assets with a long cache lifetime and compression', async () => {
    const res = await app.inject({ url: '/assets/app-abc123.js', headers: { 'accept-encoding': 'gzip' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toContain('immutable');
    expect(res.headers['content-encoding']).toBe('gzip');
  });

  it('sets security headers: every header helmet sets, on API, app and error answers alike', async () => {
    const res = await app.inject('/healthz');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['strict-transport-security']).toBeUndefined(); // TLS ends at the proxy
    const expected = [
      'content-security-policy', 'cross-origin-opener-policy', 'cross-origin-resource-policy', 'origin-agent-cluster', 'referrer-policy',
      'x-content-type-options', 'x-dns-prefetch-control', 'x-download-options', 'x-frame-options', 'x-permitted-cross-domain-policies', 'x-xss-protection',
    ];
    for (const url of ['/healthz', '/', '/api/nope']) {
      const r = await app.inject(url);
      for (const name of expected) expect(r.headers[name], `${name} on ${url}`).toBeTruthy();
      expect(r.headers['referrer-policy']).toBe('same-origin');
    }
  });

  it('narrows the CSP to its own origin', async () => {
    const csp = String((await app.inject('/')).headers['content-security-policy']);
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values.join(' ')]));
    expect(directives['connect-src']).toBe("'self'");
    expect(directives['img-src']).toBe("'self' data: blob:");
    expect(directives['script-src']).toBe("'self'");
    expect(directives['frame-ancestors']).toBe("'none'");
    expect(csp).not.toMatch(/ws:|wss:|https:|upgrade-insecure-requests/);
  });

  it('does not publish source maps', async () => {
    const res = await app.inject('/assets/app-abc123.js.map');
    expect(res.statusCode).toBe(404);
    expect(res.body).not.toContain('secret.ts');
  });

  it('marks API answers no-store (login and register carry the token)', async () => {
    const reg = await app.inject({ method: 'POST', url: '/api/auth/register', payload: { username: 'nostore_nina', password: 'correct horse battery' } });
    expect(reg.statusCode).toBe(201);
    expect(reg.headers['cache-control']).toBe('no-store');
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { login: 'nostore_nina', password: 'correct horse battery' } });
    expect(login.headers['cache-control']).toBe('no-store');
    expect((await app.inject('/api/nope')).headers['cache-control']).toBe('no-store');
    // The app shell and the hashed assets keep their own caching.
    expect((await app.inject('/rooms/1')).headers['cache-control']).toBe('no-cache');
  });
});

describe('the app plugin', () => {
  it('closes the hub exactly once on shutdown', async () => {
    const other = await buildApp({ config: testConfig(), database: db.database, logger: false });
    await other.ready();
    const close = vi.spyOn(other.hub, 'close');
    await other.close();
    expect(close).toHaveBeenCalledTimes(1);
  });
});
