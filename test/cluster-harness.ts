/**
 * Real server processes for the multi-instance suites (test/cluster.test.ts,
 * test/cluster-room-log.test.ts): each instance is `src/server.ts` on its own port, sharing one
 * Postgres database and one Redis (under a per-suite REDIS_PREFIX), plus small HTTP and WebSocket
 * helpers over them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Message, User } from '../src/protocol.js';
import { createPostgresDatabase, sleep, uniqueName, WsClient } from './helpers.js';

export const REDIS_URL = process.env.TEST_REDIS_URL;
export const DB_URL = process.env.TEST_DATABASE_URL;
// The processes share one Postgres, so these run once, in the server:postgres project.
export const clusterEnabled = Boolean(REDIS_URL && DB_URL && process.env.RTCHAT_TEST_DB === 'postgres');
const ROOT = path.resolve(import.meta.dirname, '..');
export const SECRET = 'cluster-test-secret-cluster-test-secret-0123';
/** One DATA_DIR for the instances of a suite: as in production, they share the files folder. */
const SHARED_DATA_DIR = mkdtempSync(path.join(tmpdir(), 'rtchat-cluster-'));

export interface Instance {
  name: string;
  proc: ChildProcess;
  url: string;
  wsUrl: string;
  log: string[];
  exited: Promise<number | null>;
}

export interface Account {
  user: User;
  token: string;
}

export async function startClusterInstance(
  name: string,
  opts: { dbUrl: string; prefix: string; env?: Record<string, string>; /** readyz status to wait for (default ready). */ status?: string },
): Promise<Instance> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: opts.dbUrl,
      REDIS_URL: REDIS_URL!,
      REDIS_PREFIX: opts.prefix,
      SESSION_SECRET: SECRET,
      DATA_DIR: SHARED_DATA_DIR,
      LOG_LEVEL: 'info',
      PRESENCE_GRACE_MS: '0',
      SEND_RATE_PER_SEC: '100000',
      SEND_BURST: '100000',
      REGISTER_PER_HOUR: '100000',
      // Every client here is 127.0.0.1: the account counter across instances is under test, not
      // the (account, address) pair, which stops one address after 3 (test/login-lockout.test.ts).
      LOGIN_PEER_MAX_FAILURES: '5',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        log.push(line);
        const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
        if (m) resolve(m[1]!);
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (c: Buffer) => log.push(c.toString()));
    void exited.then((code) => reject(new Error(`${name} exited with ${code}: ${log.join('\n')}`)));
    setTimeout(() => reject(new Error(`${name} did not start: ${log.join('\n')}`)), 30_000).unref();
  });
  const instance: Instance = { name, proc, url, wsUrl: `${url.replace('http', 'ws')}/ws`, log, exited };
  // Ready means Postgres and Redis both answer.
  for (let i = 0; ; i++) {
    const res = await fetch(`${url}/readyz`).then((r) => r.json() as Promise<{ status: string }>);
    if (res.status === (opts.status ?? 'ready')) break;
    if (i > 100) throw new Error(`${name} not ready: ${JSON.stringify(res)}`);
    await sleep(100);
  }
  return instance;
}

/** A suite's instances over one fresh Postgres database and one Redis prefix of its own. */
export interface ClusterSuite {
  /** The running instances, in start order (filled in by beforeAll). */
  readonly instances: Instance[];
  /** The suite's database (set by beforeAll) and Redis key prefix. */
  readonly dbUrl: string;
  readonly prefix: string;
  /** Starts one more instance on the suite's database and prefix; it is stopped with the others. */
  start(name: string, opts?: { env?: Record<string, string>; status?: string }): Promise<Instance>;
}

/**
 * Registers beforeAll (a fresh database; the first of `names` started alone, as it migrates, then
 * the others together) and afterAll (kills every instance, deletes the prefix's Redis keys, drops
 * the database).
 */
export function clusterSuite(names: [string, ...string[]]): ClusterSuite {
  const prefix = `rtchat-test-${randomBytes(4).toString('hex')}:`;
  let dbUrl = '';
  let dropDb: (() => Promise<void>) | undefined;
  const instances: Instance[] = [];
  const start: ClusterSuite['start'] = async (name, opts = {}) => {
    const inst = await startClusterInstance(name, { dbUrl, prefix, ...opts });
    instances.push(inst);
    return inst;
  };
  beforeAll(async () => {
    ({ url: dbUrl, drop: dropDb } = await createPostgresDatabase());
    const [first, ...rest] = names;
    await start(first);
    await Promise.all(rest.map((name) => start(name)));
  }, 90_000);
  afterAll(async () => {
    for (const inst of instances) inst.proc.kill('SIGKILL');
    await Promise.all(instances.map((i) => i.exited));
    const admin = new Redis(REDIS_URL!);
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length) await admin.del(...keys);
    admin.disconnect();
    await dropDb?.();
  });
  return {
    instances,
    start,
    get dbUrl() {
      return dbUrl;
    },
    prefix,
  };
}

export async function api<T>(inst: Instance, method: string, url: string, token?: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${inst.url}${url}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

export async function register(inst: Instance): Promise<Account> {
  const res = await api<Account>(inst, 'POST', '/api/auth/register', undefined, { username: uniqueName('c'), password: 'correct horse battery' });
  expect(res.status).toBe(201);
  return res.body;
}

/** A room created on the first instance by the first member; the others join through the instances in turn. */
export async function roomIn(instances: Instance[], members: Account[]): Promise<string> {
  const [owner, ...rest] = members;
  const res = await api<{ room: { id: string } }>(instances[0]!, 'POST', '/api/rooms', owner!.token, { name: uniqueName('room') });
  expect(res.status).toBe(201);
  const roomId = res.body.room.id;
  for (const [k, m] of rest.entries()) {
    expect((await api(instances[k % instances.length]!, 'POST', `/api/rooms/${roomId}/join`, m.token)).status).toBe(200);
  }
  return roomId;
}

/** Seqs a client saw for a room, in arrival order, from `message` and `ack` frames. */
export const seqsOf = (frames: readonly object[], roomId: string): number[] =>
  (frames as { type: string; message?: Message }[])
    .filter((f) => (f.type === 'message' || f.type === 'ack') && f.message!.roomId === roomId)
    .map((f) => f.message!.seq);

export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

export async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(50);
  }
}

/** Sends `count` messages from one client, at most `window` unacknowledged at a time. */
export async function sendMany(ws: WsClient, roomId: string, tag: string, count: number, window = 20, pauseMs = 0): Promise<void> {
  const acked = new Set<string>();
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const clientMsgId = `${tag}-${i}`;
    ws.send({ type: 'send', roomId, clientMsgId, body: `${tag} ${i}` });
    pending.push(ws.next((f) => f.type === 'ack' && f.clientMsgId === clientMsgId, 20_000).then(() => acked.add(clientMsgId)));
    if (pending.length >= window) await pending.shift();
    if (pauseMs) await sleep(pauseMs);
  }
  await Promise.all(pending);
}
