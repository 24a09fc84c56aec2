import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SocketLike } from './socket';
import type { JoinedRoom, Message, ServerFrame, User } from './wire';
import { newMessageState } from '../../../src/protocol-constants';

/**
 * The realtime module against a fake socket and a fake fetch: resume after reconnect, the outbox,
 * acks and refusals. Browser globals are stubbed (node environment).
 */

const T0 = '2026-01-01T00:00:00.000Z';
const me: User = { id: 'u-me', username: 'me', displayName: null, avatarUrl: null, isGuest: false, createdAt: T0 };
const bob: User = { id: 'u-bob', username: 'bob', displayName: null, avatarUrl: null, isGuest: false, createdAt: T0 };
const R1 = '11111111-1111-4111-8111-111111111111';
const R2 = '22222222-2222-4222-8222-222222222222';

const room = (id: string, lastSeq: number): JoinedRoom => ({
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
  imageUrl: null,
  slowModeSec: 0,
  role: 'member',
  mentionCount: 0,
});
const msg = (roomId: string, seq: number, author: User = bob, clientMsgId = `c${seq}`): Message => ({
  id: String(seq),
  roomId,
  seq,
  clientMsgId,
  author,
  body: `m${seq}`,
  createdAt: T0,
  ...newMessageState(),
});

class FakeSocket implements SocketLike {
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
  ready() {
    this.readyState = 1;
    this.frame({ type: 'ready', user: me, protocol: 2, heartbeatMs: 25_000 });
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

let sockets: FakeSocket[];
let storage: ReturnType<typeof memoryStorage>;
let joined: JoinedRoom[];
let posted: Array<{ url: string; body: unknown }>;
let latestPage: { messages: Message[]; hasMore: boolean };

beforeEach(() => {
  vi.useFakeTimers();
  sockets = [];
  storage = memoryStorage();
  joined = [room(R1, 5), room(R2, 0)];
  posted = [];
  latestPage = { messages: [msg(R1, 4), msg(R1, 5)], hasMore: false };
  const target = { addEventListener: () => {}, removeEventListener: () => {} };
  vi.stubGlobal('window', target);
  vi.stubGlobal('document', { ...target, visibilityState: 'visible' });
  vi.stubGlobal('navigator', { onLine: true });
  vi.stubGlobal('location', { protocol: 'http:', host: 'test' });
  vi.stubGlobal('localStorage', storage);
  vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
    if (init?.method === 'POST') posted.push({ url, body: init.body ? JSON.parse(init.body as string) : undefined });
    if (url.startsWith('/api/rooms/joined')) return new Response(JSON.stringify({ rooms: joined }), { status: 200 });
    if (url.includes('/messages?')) {
      return new Response(JSON.stringify(latestPage), { status: 200 });
    }
    return new Response(null, { status: 204 });
  });
  vi.resetModules();
});

afterEach(async () => {
  const rt = await import('./realtime');
  rt.stopRealtime();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

async function start() {
  const rt = await import('./realtime');
  const { useStore } = await import('../store');
  useStore.getState().setUser(me);
  rt.startRealtime(me, () => {}, {
    createSocket: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
  });
  await vi.waitFor(() => expect(useStore.getState().roomsLoaded).toBe(true));
  return { rt, useStore, last: () => sockets[sockets.length - 1]! };
}

describe('realtime', () => {
  it('subscribes to every joined room on ready, resuming from the last seq known', async () => {
    const { last } = await start();
    last().ready();
    expect(last().sent).toEqual([
      { type: 'subscribe', roomId: R1, sinceSeq: 5 },
      { type: 'subscribe', roomId: R2, sinceSeq: 0 },
    ]);
  });

  it('after a reconnect, resumes a loaded room from the last message it holds', async () => {
    const { rt, useStore, last } = await start();
    last().ready();
    await rt.loadLatest(R1);
    last().frame({ type: 'message', message: msg(R1, 6) });
    last().drop(4009);
    await vi.advanceTimersByTimeAsync(1_000); // the first retry comes within 500 ms
    last().ready();
    expect(last().sent[0]).toEqual({ type: 'subscribe', roomId: R1, sinceSeq: 6 });
    // The replay fills in without duplicates.
    last().frame({ type: 'subscribed', roomId: R1, lastSeq: 8, recovered: true, online: [me.id, bob.id] });
    for (const seq of [6, 7, 8]) last().frame({ type: 'message', message: msg(R1, seq) });
    expect(useStore.getState().timelines[R1]!.messages.map((m) => m.seq)).toEqual([4, 5, 6, 7, 8]);
    expect(useStore.getState().online[R1]).toEqual([me.id, bob.id]);
  });

  it('reloads the latest page when the server could not recover the gap', async () => {
    const { rt, useStore, last } = await start();
    last().ready();
    await rt.loadLatest(R1);
    // Meanwhile 5000 messages were written: too many to replay.
    latestPage = { messages: [msg(R1, 4999), msg(R1, 5000)], hasMore: true };
    last().frame({ type: 'subscribed', roomId: R1, lastSeq: 5000, recovered: false, online: [] });
    await vi.waitFor(() =>
      expect(useStore.getState().timelines[R1]!.messages.map((m) => m.seq)).toEqual([4999, 5000]),
    );
    expect(useStore.getState().timelines[R1]!.hasMore).toBe(true);
  });

  it('keeps messages written offline and sends each once when the socket is back', async () => {
    const { rt, useStore, last } = await start();
    rt.sendMessage(R1, 'first');
    rt.sendMessage(R1, 'second');
    expect(useStore.getState().outbox.map((i) => i.body)).toEqual(['first', 'second']);
    expect(storage.data.size).toBe(1); // persisted
    last().ready();
    expect(last().sent.filter((f) => f.type === 'send')).toEqual([]); // waits for subscribed
    last().frame({ type: 'subscribed', roomId: R1, lastSeq: 5, recovered: true, online: [] });
    const sends = last().sent.filter((f) => f.type === 'send');
    expect(sends.map((f) => f.body)).toEqual(['first', 'second']);
    // A second subscribed on the same connection does not send them again.
    last().frame({ type: 'subscribed', roomId: R1, lastSeq: 5, recovered: true, online: [] });
    expect(last().sent.filter((f) => f.type === 'send')).toHaveLength(2);
    // Acks swap the pending items for the stored messages.
    for (const [i, f] of sends.entries()) {
      last().frame({
        type: 'ack',
        clientMsgId: f.clientMsgId as string,
        message: { ...msg(R1, 6 + i, me, f.clientMsgId as string), body: f.body as string },
      });
    }
    expect(useStore.getState().outbox).toEqual([]);
    expect(storage.data.size).toBe(0);
    expect(useStore.getState().timelines[R1]!.messages.map((m) => m.body)).toEqual(['first', 'second']);
  });

  it('re-sends unacknowledged messages with the same clientMsgId after a reconnect', async () => {
    const { rt, last } = await start();
    last().ready();
    rt.sendMessage(R1, 'hello');
    const first = last().sent.find((f) => f.type === 'send')!;
    last().drop();
    await vi.advanceTimersByTimeAsync(1_000);
    last().ready();
    last().frame({ type: 'subscribed', roomId: R1, lastSeq: 5, recovered: true, online: [] });
    const again = last().sent.find((f) => f.type === 'send')!;
    expect(again.clientMsgId).toBe(first.clientMsgId);
  });

  it('restores the outbox from storage on start (a reload while offline)', async () => {
    storage.setItem(
      `rtchat.outbox.${me.id}`,
      JSON.stringify([{ clientMsgId: 'kept-1', roomId: R1, body: 'from before', createdAt: T0, status: 'pending' }]),
    );
    const { useStore, last } = await start();
    expect(useStore.getState().outbox.map((i) => i.clientMsgId)).toEqual(['kept-1']);
    last().ready();
    last().frame({ type: 'subscribed', roomId: R1, lastSeq: 5, recovered: true, online: [] });
    expect(last().sent.find((f) => f.type === 'send')).toMatchObject({ clientMsgId: 'kept-1', body: 'from before' });
  });

  it('marks a refused message failed, never dropping it, and retries on request', async () => {
    const { rt, useStore, last } = await start();
    last().ready();
    rt.sendMessage(R1, 'too fast');
    const id = useStore.getState().outbox[0]!.clientMsgId;
    last().frame({ type: 'error', code: 'RATE_LIMITED', message: 'slow down', ref: id, retryAfterMs: 1500 });
    expect(useStore.getState().outbox[0]).toMatchObject({ status: 'failed', error: 'Too fast: try again in 2 s' });
    // Failed items are not sent again by themselves.
    last().frame({ type: 'subscribed', roomId: R1, lastSeq: 5, recovered: true, online: [] });
    expect(last().sent.filter((f) => f.type === 'send')).toHaveLength(1);
    rt.retryMessage(id);
    expect(useStore.getState().outbox[0]!.status).toBe('pending');
    expect(last().sent.filter((f) => f.type === 'send')).toHaveLength(2);
  });

  it('retries quietly when the server is unavailable, then asks the user', async () => {
    const { rt, useStore, last } = await start();
    last().ready();
    rt.sendMessage(R1, 'try later');
    const id = useStore.getState().outbox[0]!.clientMsgId;
    for (let i = 1; i <= 3; i++) {
      last().frame({ type: 'error', code: 'UNAVAILABLE', message: 'busy', ref: id });
      expect(useStore.getState().outbox[0]!.status).toBe('pending');
      await vi.advanceTimersByTimeAsync(20_000);
      expect(last().sent.filter((f) => f.type === 'send')).toHaveLength(1 + i);
    }
    last().frame({ type: 'error', code: 'UNAVAILABLE', message: 'busy', ref: id });
    expect(useStore.getState().outbox[0]).toMatchObject({ status: 'failed', error: 'Server busy: not sent' });
  });

  it('moves the read cursor once per new seq', async () => {
    const { rt, last } = await start();
    last().ready();
    rt.markRead(R1, 7);
    rt.markRead(R1, 7);
    rt.markRead(R1, 6);
    expect(last().sent.filter((f) => f.type === 'read')).toEqual([{ type: 'read', roomId: R1, seq: 7 }]);
  });

  it('falls back to HTTP when the socket keeps failing, and back to the socket when it connects', async () => {
    const { rt, useStore, last } = await start();
    vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
      if (init?.method === 'POST') posted.push({ url, body: init.body ? JSON.parse(init.body as string) : undefined });
      if (url === '/api/auth/me') return new Response(JSON.stringify({ user: me }), { status: 200 });
      if (url.startsWith('/api/rooms/joined')) return new Response(JSON.stringify({ rooms: joined }), { status: 200 });
      if (url.endsWith('/messages') && init?.method === 'POST') {
        const body = JSON.parse(init.body as string) as { clientMsgId: string; body: string };
        return new Response(JSON.stringify({ message: { ...msg(R1, 6, me, body.clientMsgId), body: body.body } }), { status: 201 });
      }
      return new Response(JSON.stringify({ messages: [], hasMore: false }), { status: 200 });
    });
    for (let i = 0; i < 3; i++) {
      last().drop();
      await vi.advanceTimersByTimeAsync(0);
      if (i < 2) await vi.advanceTimersByTimeAsync(60_000);
    }
    await vi.waitFor(() => expect(useStore.getState().connection.transport).toBe('http'));
    rt.sendMessage(R1, 'over http');
    await vi.waitFor(() => expect(useStore.getState().outbox).toEqual([]));
    expect(posted.find((p) => p.url.endsWith('/messages'))?.body).toMatchObject({ body: 'over http' });
    // Wait for the next attempt, and let it through.
    for (let i = 0; i < 120 && useStore.getState().connection.state !== 'connecting'; i++) {
      await vi.advanceTimersByTimeAsync(500);
    }
    last().ready();
    expect(useStore.getState().connection.transport).toBe('ws');
  });
});
