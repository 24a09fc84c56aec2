import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ReconnectingSocket, type SocketLike, type SocketStatus } from './socket';
import type { ServerFrame } from '../lib/wire';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: unknown[] = [];
  closedWith: number | null = null;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close(code = 1000) {
    this.closedWith = code;
    this.readyState = 3;
  }
  // What the server does:
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  frame(frame: ServerFrame | Record<string, unknown>) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  ready() {
    this.open();
    this.frame({
      type: 'ready',
      user: { id: 'u1', username: 'alice', displayName: null, avatarUrl: null, isGuest: false, createdAt: '2026-01-01T00:00:00.000Z' },
      protocol: 2,
      heartbeatMs: 25_000,
    });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
}

function setup(opts: { random?: () => number } = {}) {
  const sockets: FakeSocket[] = [];
  const statuses: SocketStatus[] = [];
  const frames: ServerFrame[] = [];
  const onReady = vi.fn();
  const onSessionEnded = vi.fn();
  const machine = new ReconnectingSocket({
    url: 'ws://test/ws',
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    backoff: { baseMs: 1000, capMs: 30_000, random: opts.random ?? (() => 0.5) },
    onStatus: (s) => statuses.push(s),
    onFrame: (f) => frames.push(f),
    onReady,
    onSessionEnded,
  });
  const last = () => sockets[sockets.length - 1]!;
  return { machine, sockets, statuses, frames, onReady, onSessionEnded, last };
}

describe('ReconnectingSocket', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('goes idle -> connecting -> open on the ready frame', () => {
    const t = setup();
    expect(t.machine.status.state).toBe('idle');
    t.machine.start();
    expect(t.machine.status.state).toBe('connecting');
    expect(t.sockets).toHaveLength(1);
    t.last().open();
    expect(t.machine.status.state).toBe('connecting');
    t.last().ready();
    expect(t.machine.status.state).toBe('open');
    expect(t.onReady).toHaveBeenCalledTimes(1);
    expect(t.machine.status.everConnected).toBe(true);
  });

  it('passes frames through, except ready and pong', () => {
    const t = setup();
    t.machine.start();
    t.last().ready();
    t.last().frame({ type: 'pong' });
    t.last().frame({ type: 'presence', roomId: 'r', userId: 'u2', online: true });
    t.last().onmessage?.({ data: 'not json' });
    expect(t.frames).toEqual([{ type: 'presence', roomId: 'r', userId: 'u2', online: true }]);
  });

  it('sends only while open', () => {
    const t = setup();
    t.machine.start();
    expect(t.machine.send({ type: 'ping' })).toBe(false);
    t.last().ready();
    expect(t.machine.send({ type: 'typing', roomId: 'r', isTyping: true })).toBe(true);
    expect(t.last().sent).toEqual([{ type: 'typing', roomId: 'r', isTyping: true }]);
  });

  it('reconnects with full-jitter backoff that grows, and resets after success', () => {
    const t = setup({ random: () => 0.5 });
    t.machine.start();
    t.last().drop();
    expect(t.machine.status.state).toBe('waiting');
    // attempt 0: ceiling 1000 -> 500 ms
    expect(t.machine.status.retryAt).toBe(Date.now() + 500);
    vi.advanceTimersByTime(499);
    expect(t.sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(t.sockets).toHaveLength(2);
    t.last().drop();
    // attempt 1: ceiling 2000 -> 1000 ms
    expect(t.machine.status.retryAt).toBe(Date.now() + 1000);
    vi.advanceTimersByTime(1000);
    expect(t.sockets).toHaveLength(3);
    t.last().drop();
    expect(t.machine.status.retryAt).toBe(Date.now() + 2000);
    expect(t.machine.status.failures).toBe(3);
    vi.advanceTimersByTime(2000);
    t.last().ready();
    expect(t.machine.status.failures).toBe(0);
    t.last().drop();
    // back to attempt 0
    expect(t.machine.status.retryAt).toBe(Date.now() + 500);
  });

  it('gives up on an attempt that never reaches ready (connect timeout)', () => {
    const t = setup();
    t.machine.start();
    t.last().open();
    vi.advanceTimersByTime(10_000);
    expect(t.sockets[0]!.closedWith).not.toBeNull();
    expect(t.machine.status.state).toBe('waiting');
  });

  it('pings after silence and drops a link whose pong never comes', () => {
    const t = setup({ random: () => 0.99 });
    t.machine.start();
    t.last().ready();
    vi.advanceTimersByTime(15_000);
    expect(t.last().sent).toEqual([{ type: 'ping' }]);
    // An answer keeps the link.
    t.last().frame({ type: 'pong' });
    vi.advanceTimersByTime(14_999);
    expect(t.machine.status.state).toBe('open');
    expect(t.last().sent).toHaveLength(1);
    // Next silence: ping, no answer -> dead link, reconnect.
    vi.advanceTimersByTime(1);
    expect(t.last().sent).toHaveLength(2);
    vi.advanceTimersByTime(8_000);
    expect(t.sockets[0]!.closedWith).not.toBeNull();
    expect(t.machine.status.state).toBe('waiting');
  });

  it('any frame counts as life: no ping while traffic flows', () => {
    const t = setup();
    t.machine.start();
    t.last().ready();
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(10_000);
      t.last().frame({ type: 'presence', roomId: 'r', userId: 'u2', online: true });
    }
    expect(t.last().sent).toEqual([]);
  });

  it('stops for good on 4001 (session ended)', () => {
    const t = setup();
    t.machine.start();
    t.last().ready();
    t.last().drop(4001);
    expect(t.machine.status.state).toBe('stopped');
    expect(t.onSessionEnded).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(120_000);
    expect(t.sockets).toHaveLength(1);
  });

  it('reconnects after 4009 (too slow) and 1001 (server going away)', () => {
    for (const code of [4009, 1001]) {
      const t = setup({ random: () => 0 });
      t.machine.start();
      t.last().ready();
      t.last().drop(code);
      expect(t.machine.status.state).toBe('waiting');
      vi.advanceTimersByTime(0);
      expect(t.sockets).toHaveLength(2);
    }
  });

  it('takes online and visibility as hints to retry at once', () => {
    const t = setup({ random: () => 0.99 });
    t.machine.start();
    t.last().drop();
    t.machine.hintOffline();
    expect(t.machine.status.offline).toBe(true);
    t.machine.hintOnline();
    expect(t.machine.status.offline).toBe(false);
    expect(t.sockets).toHaveLength(2);
    t.last().drop();
    t.machine.hintVisible();
    expect(t.sockets).toHaveLength(3);
    // Visible while open: a liveness check.
    t.last().ready();
    t.machine.hintVisible();
    expect(t.last().sent).toEqual([{ type: 'ping' }]);
  });

  it('drops an open link when the browser goes offline, and reconnects when it is back', () => {
    const t = setup({ random: () => 0.99 });
    t.machine.start();
    t.last().ready();
    const socket = t.last();
    t.machine.hintOffline();
    expect(socket.closedWith).not.toBeNull();
    expect(t.machine.status).toMatchObject({ state: 'waiting', offline: true });
    t.machine.hintOnline();
    expect(t.sockets).toHaveLength(2);
    expect(t.machine.status).toMatchObject({ state: 'connecting', offline: false });
  });

  it('cleans up on stop: no timers, no handlers, no reconnect', () => {
    const t = setup();
    t.machine.start();
    t.last().ready();
    const socket = t.last();
    t.machine.stop();
    expect(socket.closedWith).toBe(1000);
    expect(socket.onmessage).toBeNull();
    expect(t.machine.status.state).toBe('stopped');
    expect(vi.getTimerCount()).toBe(0);
    socket.drop();
    expect(t.sockets).toHaveLength(1);
  });

  it('ignores events from a socket it already replaced', () => {
    const t = setup({ random: () => 0 });
    t.machine.start();
    const first = t.last();
    first.open();
    vi.advanceTimersByTime(10_000); // connect timeout -> waiting -> retry (0 ms)
    vi.advanceTimersByTime(1);
    expect(t.sockets).toHaveLength(2);
    const second = t.last();
    expect(second).not.toBe(first);
    first.onclose?.({ code: 1006, reason: '' });
    expect(t.machine.status.state).toBe('connecting');
  });
});
