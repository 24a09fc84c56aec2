/**
 * Test harness: a fresh database per test file (embedded PGlite in memory, or a throw-away
 * database on TEST_DATABASE_URL), the real app listening on port 0, and a WebSocket client that
 * queues frames so tests can wait for exactly what they expect.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { loadConfig, type Config } from '../src/config.js';
import { openDatabase, type Database } from '../src/db/client.js';
import type { Message, Room, ServerFrame, User } from '../src/protocol.js';

export const usePostgres = process.env.RTCHAT_TEST_DB === 'postgres';

export interface TestDatabase {
  database: Database;
  url: string | null;
  drop(): Promise<void>;
}

/** A fresh, migrated database: its own Postgres database, or an in-memory PGlite. */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (!usePostgres) {
    const database = await openDatabase({ databaseUrl: null, dataDir: null });
    return { database, url: null, drop: () => database.close() };
  }
  const { url, drop } = await createPostgresDatabase();
  const database = await openDatabase({ databaseUrl: url, dataDir: null, poolSize: 20 });
  return {
    database,
    url,
    drop: async () => {
      await database.close();
      await drop();
    },
  };
}

/** Creates an empty database on TEST_DATABASE_URL's server; `drop` removes it. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `rtchat_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    SESSION_SECRET: 'test-secret-test-secret-test-secret-0123',
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'rtchat-test-')),
    LOG_LEVEL: 'silent',
    REGISTER_PER_HOUR: '100000',
    // Suites create many rooms and join many by invite from one account and address; the
    // throttles' own tests set these back to small numbers.
    ROOM_CREATE_PER_HOUR: '100000',
    INVITE_PER_IP_PER_MINUTE: '100000',
    PRESENCE_GRACE_MS: '0',
    // In-process servers share the event loop with the test and with opening other embedded
    // databases (seconds of synchronous work), which load shedding would rightly see as a stall.
    // Its own test (http-limits) turns it on; server processes run with the production default.
    PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0',
    // Suites hold many sockets of a few users from 127.0.0.1; the caps have their own tests.
    WS_MAX_PER_USER: '10000',
    WS_MAX_PER_IP: '100000',
    ...env,
  });
}

export interface TestServer {
  app: FastifyInstance;
  config: Config;
  url: string;
  wsUrl: string;
  db: TestDatabase;
  close(): Promise<void>;
}

/** The real app on 127.0.0.1:0 over a fresh database. */
export async function startServer(env: Record<string, string> = {}, db?: TestDatabase): Promise<TestServer> {
  const testDb = db ?? (await createTestDatabase());
  const config = testConfig(env);
  const app = await buildApp({ config, database: testDb.database, logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    config,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    db: testDb,
    close: async () => {
      await app.close();
      if (!db) await testDb.drop();
    },
  };
}

export interface Account {
  user: User;
  token: string;
  headers: { authorization: string };
}

let counter = 0;
export function uniqueName(prefix = 'u'): string {
  counter++;
  return `${prefix}${counter}_${randomBytes(3).toString('hex')}`.slice(0, 24);
}

export async function register(app: FastifyInstance, username = uniqueName(), password = 'correct horse battery'): Promise<Account> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/register', payload: { username, password } });
  if (res.statusCode !== 201) throw new Error(`register failed: ${res.statusCode} ${res.body}`);
  const body = res.json<{ user: User; token: string }>();
  return { ...body, headers: { authorization: `Bearer ${body.token}` } };
}

/** Starts the app with `env` and registers one account per name, in order: `{ server, alice, bob }`. */
export async function startWithAccounts<K extends string>(env: Record<string, string>, names: readonly K[]): Promise<{ server: TestServer } & Record<K, Account>> {
  const server = await startServer(env);
  const accounts = {} as Record<K, Account>;
  for (const name of names) accounts[name] = await register(server.app);
  return { server, ...accounts };
}

export async function createRoom(
  app: FastifyInstance,
  owner: Account,
  input: { name?: string; isPrivate?: boolean; description?: string } = {},
): Promise<{ room: Room; inviteCode?: string }> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/rooms',
    headers: owner.headers,
    payload: { name: input.name ?? uniqueName('room'), isPrivate: input.isPrivate ?? false, description: input.description },
  });
  if (res.statusCode !== 201) throw new Error(`create room failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

export async function joinRoom(app: FastifyInstance, account: Account, room: { id: string }, inviteCode?: string): Promise<void> {
  const res = inviteCode
    ? await app.inject({ method: 'POST', url: '/api/rooms/join', headers: account.headers, payload: { inviteCode } })
    : await app.inject({ method: 'POST', url: `/api/rooms/${room.id}/join`, headers: account.headers });
  if (res.statusCode !== 200) throw new Error(`join failed: ${res.statusCode} ${res.body}`);
}

export async function postMessage(app: FastifyInstance, account: Account, roomId: string, body: string, clientMsgId = uniqueName('m')): Promise<Message> {
  const res = await app.inject({
    method: 'POST',
    url: `/api/rooms/${roomId}/messages`,
    headers: account.headers,
    payload: { clientMsgId, body },
  });
  if (res.statusCode !== 201 && res.statusCode !== 200) throw new Error(`post failed: ${res.statusCode} ${res.body}`);
  return res.json<{ message: Message }>().message;
}

type Frame = ServerFrame & Record<string, unknown>;

/** A WebSocket client that keeps every frame so tests can wait for specific ones. */
export class WsClient {
  readonly frames: Frame[] = [];
  private waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void; from: number }[] = [];
  private cursor = 0;
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => {
        if (w.pred(frame)) {
          w.resolve(frame);
          return false;
        }
        return true;
      });
    });
    this.closed = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static async connect(url: string, token: string | null, headers: Record<string, string> = {}): Promise<WsClient> {
    const socket = new WebSocket(url, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
    const client = new WsClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    await client.next((f) => f.type === 'ready');
    return client;
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The next frame (after those already consumed by `next`) matching `pred`. */
  next<T extends Frame = Frame>(pred: (f: Frame) => boolean = () => true, timeoutMs = 5000): Promise<T> {
    for (let i = this.cursor; i < this.frames.length; i++) {
      if (pred(this.frames[i]!)) {
        this.cursor = i + 1;
        return Promise.resolve(this.frames[i] as T);
      }
    }
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for a frame; last ones: ${this.frames.slice(-5).map((f) => JSON.stringify(f).slice(0, 200)).join(' | ')}`)), timeoutMs);
      this.waiters.push({
        pred,
        from: this.frames.length,
        resolve: (f) => {
          clearTimeout(timer);
          this.cursor = this.frames.indexOf(f) + 1;
          resolve(f as T);
        },
      });
    });
  }

  /** Sends subscribe and waits for `subscribed`. */
  async subscribe(roomId: string, sinceSeq?: number): Promise<Frame> {
    this.send({ type: 'subscribe', roomId, ...(sinceSeq !== undefined ? { sinceSeq } : {}) });
    return this.next((f) => (f.type === 'subscribed' || f.type === 'error') && (f.roomId === roomId || f.ref === roomId));
  }

  messages(roomId?: string): Message[] {
    return this.frames
      .filter((f) => f.type === 'message' || f.type === 'ack')
      .map((f) => (f as unknown as { message: Message }).message)
      .filter((m) => !roomId || m.roomId === roomId);
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    this.socket.close();
    await this.closed;
  }
}

/** Rejects a WebSocket upgrade and returns the HTTP status it got. */
export function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('error', (err) => reject(err));
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An upgrade the server refuses: its status and JSON body. */
export function refusedUpgrade(url: string, token: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
    socket.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        socket.terminate();
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> });
      });
    });
    socket.once('open', () => {
      socket.close();
      reject(new Error('the upgrade was accepted'));
    });
    socket.once('error', (err) => reject(err));
  });
}

/** Connects, retrying while the server still counts a just-closed connection (429 at the upgrade). */
export async function connectSoon(url: string, token: string): Promise<WsClient> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await WsClient.connect(url, token);
    } catch (err) {
      if (attempt >= 60 || !String(err).includes('429')) throw err;
      await sleep(50);
    }
  }
}
