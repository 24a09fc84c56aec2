import { afterEach, beforeEach, expect, vi } from 'vitest';
import { MEMBER_V2, PLAIN_V2, USER_V2 } from '../lib/test-fixtures';
import type { JoinedRoom, Message, ServerFrame, User } from '../lib/wire';
import { createAppStore, type AppStore } from '../store';
import { SyncSession } from './session';
import type { SocketLike } from './socket';

/**
 * Test harness for sync sessions (imported by *.test.ts only): fixtures, a fake socket, a fake
 * fetch, stubbed browser globals (node environment) and a `start()` that makes a session with its
 * own store. No module resets: each test makes its own session and the harness stops it.
 */

export const T0 = '2026-01-01T00:00:00.000Z';
export const me: User = { id: 'u-me', username: 'me', ...USER_V2, avatarUrl: null, createdAt: T0 };
export const bob: User = { id: 'u-bob', username: 'bob', ...USER_V2, avatarUrl: null, createdAt: T0 };
export const R1 = '11111111-1111-4111-8111-111111111111';
export const R2 = '22222222-2222-4222-8222-222222222222';

export const room = (id: string, lastSeq: number): JoinedRoom => ({
  id,
  name: id,
  description: '',
  isPrivate: false,
  ownerId: me.id,
  memberCount: 2,
  lastSeq,
  createdAt: T0,
  lastReadSeq: lastSeq,
  unreadCount: 0,
  lastMessage: null,
  ...MEMBER_V2,
});
export const msg = (roomId: string, seq: number, author: User = bob, clientMsgId = `c${seq}`): Message => ({
  ...PLAIN_V2,
  id: String(seq),
  roomId,
  seq,
  clientMsgId,
  author,
  body: `m${seq}`,
  createdAt: T0,
});

export class FakeSocket implements SocketLike {
  readyState = 0;
  sent: Array<Record<string, unknown>> = [];
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  send(data: string) {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close() {
    this.readyState = 3;
  }
  frame(f: ServerFrame) {
    this.onmessage?.({ data: JSON.stringify(f) });
  }
  raw(data: string) {
    this.onmessage?.({ data });
  }
  ready(protocol = 1) {
    this.readyState = 1;
    this.raw(JSON.stringify({ type: 'ready', user: me, protocol, heartbeatMs: 25_000 }));
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
}

function memoryStorage() {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
    removeItem: (k: string) => void data.delete(k),
  };
}

export interface SessionTestEnv {
  sockets: FakeSocket[];
  storage: ReturnType<typeof memoryStorage>;
  joined: JoinedRoom[];
  posted: Array<{ url: string; body: unknown }>;
  latestPage: { messages: Message[]; hasMore: boolean };
  /** The session a test started last; stopped after each test. */
  session: SyncSession | null;
  start(): Promise<{ rt: SyncSession; useStore: AppStore; last: () => FakeSocket }>;
}

/** Drops the socket until the session falls back to HTTP (FALLBACK_AFTER_FAILURES in a row). */
export async function failSocketUntilFallback(useStore: AppStore, last: () => FakeSocket): Promise<void> {
  for (let i = 0; i < 3; i++) {
    last().drop();
    await vi.advanceTimersByTimeAsync(0);
    if (i < 2) await vi.advanceTimersByTimeAsync(60_000);
  }
  await vi.waitFor(() => expect(useStore.getState().connection.transport).toBe('http'));
}

/** Registers the hooks; call once at the top of a test file. */
export function setupSessionTests(): SessionTestEnv {
  const env = { session: null } as SessionTestEnv;
  env.start = () => start(env);
  beforeEach(() => {
    vi.useFakeTimers();
    env.sockets = [];
    env.storage = memoryStorage();
    env.joined = [room(R1, 5), room(R2, 0)];
    env.posted = [];
    env.latestPage = { messages: [msg(R1, 4), msg(R1, 5)], hasMore: false };
    const target = { addEventListener: () => {}, removeEventListener: () => {} };
    vi.stubGlobal('window', target);
    vi.stubGlobal('document', { ...target, visibilityState: 'visible' });
    vi.stubGlobal('navigator', { onLine: true });
    vi.stubGlobal('location', { protocol: 'http:', host: 'test' });
    vi.stubGlobal('localStorage', env.storage);
    vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
      if (init?.method === 'POST') env.posted.push({ url, body: init.body ? JSON.parse(init.body as string) : undefined });
      if (url.startsWith('/api/rooms/joined')) return new Response(JSON.stringify({ rooms: env.joined }), { status: 200 });
      if (url.includes('/messages?')) {
        return new Response(JSON.stringify(env.latestPage), { status: 200 });
      }
      return new Response(null, { status: 204 });
    });
  });

  afterEach(() => {
    env.session?.stop();
    env.session = null;
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });
  return env;
}

async function start(env: SessionTestEnv) {
  const useStore = createAppStore();
  useStore.getState().setUser(me);
  const rt = new SyncSession({
    user: me,
    store: useStore,
    createSocket: () => {
      const s = new FakeSocket();
      env.sockets.push(s);
      return s;
    },
  });
  env.session = rt;
  rt.start();
  await vi.waitFor(() => expect(useStore.getState().roomsLoaded).toBe(true));
  return { rt, useStore, last: () => env.sockets[env.sockets.length - 1]! };
}
