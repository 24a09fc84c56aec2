/**
 * Small helpers shared by the authorization and bad-input suites: contract-shaped error checks,
 * WebSocket barriers, and a recorder that remembers every HTTP status a suite saw.
 */
import { expect } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import WebSocket from 'ws';
import { ERROR_CODES } from '../src/protocol.js';
import { createTestDatabase, startServer, usePostgres, type Account, type TestServer, type WsClient } from './helpers.js';

/** A well-formed UUID that names nothing. */
export const NO_SUCH_ROOM = '0b0e2f6c-5d1a-4c3e-9f00-00000000dead';

/** Asserts the contract's error shape: `{ statusCode, code, error, message }` with a known code. */
export function expectError(res: LightMyRequestResponse, status: number, code: string): Record<string, unknown> {
  const context = `${res.statusCode} ${res.body.slice(0, 300)}`;
  expect(res.statusCode, context).toBe(status);
  const body = res.json<Record<string, unknown>>();
  expect(body, context).toMatchObject({ statusCode: status, code });
  expect(typeof body.error, context).toBe('string');
  expect(typeof body.message, context).toBe('string');
  expect(ERROR_CODES as readonly string[], context).toContain(body.code);
  return body;
}

/** Records every response so a suite can assert at the end that nothing was a 5xx. */
export function recorder(app: () => FastifyInstance) {
  const seen: { status: number; what: string }[] = [];
  return {
    seen,
    async inject(opts: InjectOptions): Promise<LightMyRequestResponse> {
      const res = await app().inject(opts);
      seen.push({ status: res.statusCode, what: `${opts.method ?? 'GET'} ${String(opts.url)} -> ${res.statusCode} ${res.body.slice(0, 200)}` });
      return res;
    },
    serverErrors(): string[] {
      return seen.filter((s) => s.status >= 500).map((s) => s.what);
    },
  };
}

/** A second, independent session of an existing account (argon2 verify: ~50 ms). */
export async function loginAgain(app: FastifyInstance, account: Account, password = 'correct horse battery'): Promise<Account> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { login: account.user.username, password } });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  const { token } = res.json<{ token: string }>();
  return { user: account.user, token, headers: { authorization: `Bearer ${token}` } };
}

/** Round-trips a ping: every frame the server wrote before the pong has arrived afterwards. */
export async function barrier(ws: WsClient): Promise<void> {
  ws.send({ type: 'ping' });
  await ws.next((f) => f.type === 'pong');
}

/** The `error` frames received so far that concern `ref`. */
export function errorsFor(ws: WsClient, ref: string) {
  return ws.frames.filter((f) => f.type === 'error' && f.ref === ref);
}

export function isOpen(ws: WsClient): boolean {
  return ws.socket.readyState === WebSocket.OPEN;
}

/** base64url(JSON): the shape of this server's opaque cursors, for forging bad ones. */
export function forgeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

type Frame = WsClient['frames'][number];
/** Waits until `count` frames matching `pred` have arrived (in any order among others); returns them all. */
export async function waitForFrames(ws: WsClient, pred: (f: Frame) => boolean, count: number): Promise<Frame[]> {
  while (ws.frames.filter(pred).length < count) await ws.next(pred);
  return ws.frames.filter(pred);
}

/** Redis for the multi-instance throttle tests; those run in the server:postgres project only. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL;
export const canRunPair = Boolean(TEST_REDIS_URL && usePostgres);

/** Two app instances over one Postgres database and one Redis (a fresh key prefix). */
export async function startRedisPair(env: Record<string, string> = {}): Promise<{ a: TestServer; b: TestServer; close(): Promise<void> }> {
  const db = await createTestDatabase();
  const shared = {
    REDIS_URL: TEST_REDIS_URL!,
    REDIS_PREFIX: `rtchat-test-${randomBytes(4).toString('hex')}:`,
    DATABASE_URL: db.url!,
    ...env,
  };
  const a = await startServer(shared, db);
  const b = await startServer(shared, db);
  return {
    a,
    b,
    close: async () => {
      await a.close();
      await b.close();
      await db.drop();
    },
  };
}
