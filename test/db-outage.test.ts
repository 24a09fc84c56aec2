/**
 * Database outages (issue 9 item 4): with Postgres cut (connections refused and dropped) or
 * black-holed (accepted, never answered), the REST API and the WebSocket upgrade answer 503
 * UNAVAILABLE within a bound, and serve again by themselves once the database is back.
 * Postgres only: the proxy sits between the server's pool and Postgres.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { isDatabaseUnavailable } from '../src/lib/errors.js';
import { createPostgresDatabase, sleep, testConfig, upgradeStatus, usePostgres } from './helpers.js';
import { TcpProxy, type ProxyMode } from './tcp-proxy.js';

const DB_TIMEOUT_MS = 1000;
/** Connect timeout or statement/answer timeout, plus slack for a busy machine: far below a hang. */
const BOUND_MS = 3 * DB_TIMEOUT_MS + 3000;

describe.skipIf(!usePostgres)('a database outage', () => {
  let proxy: TcpProxy;
  let app: FastifyInstance;
  let url: string;
  let drop: () => Promise<void>;
  let token: string;
  let roomId: string;

  beforeAll(async () => {
    const db = await createPostgresDatabase();
    drop = db.drop;
    const target = new URL(db.url);
    proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    const viaProxy = new URL(db.url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    app = await buildApp({ config: testConfig({ DATABASE_URL: viaProxy.toString(), DB_TIMEOUT_MS: String(DB_TIMEOUT_MS) }), logger: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;

    const reg = await call('POST', '/api/auth/register', { username: 'outage_olga', password: 'long enough password' });
    expect(reg.status).toBe(201);
    token = (reg.body as { token: string }).token;
    const room = await call('POST', '/api/rooms', { name: 'Outage' });
    roomId = (room.body as { room: { id: string } }).room.id;
  });
  afterAll(async () => {
    await proxy?.setMode('forward');
    await app?.close();
    await proxy?.close();
    await drop?.();
  });

  /** A request that must be answered within BOUND_MS (aborting counts as a failure). */
  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(BOUND_MS),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  async function expectUnavailable(): Promise<void> {
    // A session this instance has checked is answered from its session cache (nothing can revoke
    // it while the database is down: revocation goes through the database first).
    expect((await call('GET', '/api/auth/me')).status).toBe(200);
    for (const [method, path, body] of [
      ['POST', '/api/auth/login', { login: 'outage_olga', password: 'long enough password' }],
      ['GET', `/api/rooms/${roomId}/messages`],
      ['POST', `/api/rooms/${roomId}/messages`, { clientMsgId: `o-${Date.now()}`, body: 'during the outage' }],
    ] as const) {
      const res = await call(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(503);
      expect(res.body).toMatchObject({ statusCode: 503, code: 'UNAVAILABLE', error: 'Service Unavailable' });
    }
    const upgrade = await Promise.race([
      upgradeStatus(`${url.replace('http', 'ws')}/ws`, { authorization: `Bearer ${token}` }),
      sleep(BOUND_MS).then(() => 0),
    ]);
    expect(upgrade, 'WebSocket upgrade').toBe(503);
    expect((await call('GET', '/readyz')).status).toBe(503);
  }

  async function expectRecovered(): Promise<void> {
    const deadline = Date.now() + 30_000;
    let last = 0;
    while (Date.now() < deadline) {
      last = (await call('GET', `/api/rooms/${roomId}/messages`)).status;
      if (last === 200) break;
      await sleep(200);
    }
    expect(last).toBe(200);
    expect((await call('POST', `/api/rooms/${roomId}/messages`, { clientMsgId: `r-${Date.now()}`, body: 'after' })).status).toBe(201);
    expect(await upgradeStatus(`${url.replace('http', 'ws')}/ws`, { authorization: `Bearer ${token}` })).toBe(101);
  }

  it.each<ProxyMode>(['refuse', 'blackhole'])('%s: answers 503 UNAVAILABLE in bounded time, then recovers by itself', async (mode) => {
    expect((await call('GET', '/api/auth/me')).status).toBe(200);
    await proxy.setMode(mode);
    await expectUnavailable();
    await proxy.setMode('forward');
    await expectRecovered();
  }, 120_000);
});

describe('isDatabaseUnavailable', () => {
  it('tells an unreachable database from a wrong query, through Drizzle wrappers', () => {
    const wrap = (cause: unknown) => Object.assign(new Error('Failed query: select 1\nparams: Connection terminated'), { query: 'select 1', params: [], cause });
    expect(isDatabaseUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isDatabaseUnavailable(wrap(new Error('Connection terminated unexpectedly')))).toBe(true);
    expect(isDatabaseUnavailable(wrap(new Error('Query read timeout')))).toBe(true);
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isDatabaseUnavailable(wrap(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })))).toBe(true);
    expect(isDatabaseUnavailable(wrap(Object.assign(new Error('the database system is starting up'), { code: '57P03' })))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('connection failure'), { code: '08006' }))).toBe(true);
    // Wrong queries and constraint violations are not outages, even when user text says so.
    expect(isDatabaseUnavailable(wrap(Object.assign(new Error('duplicate key'), { code: '23505' })))).toBe(false);
    expect(isDatabaseUnavailable(wrap(Object.assign(new Error('syntax error'), { code: '42601' })))).toBe(false);
    expect(isDatabaseUnavailable(new Error('boom'))).toBe(false);
    expect(isDatabaseUnavailable(null)).toBe(false);
  });
});
