/**
 * One WebSocket connection: who it is, what it is subscribed to, and the write policy
 * (ephemeral frames are dropped under pressure, durable ones never: a socket that cannot keep up
 * is closed with 4009 and resumes from its last seq).
 *
 * Writes are coalesced: every frame a connection is given during one event-loop turn waits in its
 * outbox and the whole outbox goes to the kernel as ONE write (corked writev) when the turn ends.
 * A broadcast frames its bytes once (`OutFrame`) and every subscriber's socket gets the same
 * Buffer; the ws library's own send path (framing and a write per frame per socket) is only used
 * as a fallback when its sender is busy (e.g. compression) or the socket is not a plain TCP one.
 * Order is kept because every frame of a connection goes through its outbox, and a close flushes
 * the outbox before the close frame. Bytes in the outbox count towards the buffer limits.
 */
import type { WebSocket } from 'ws';
import { CLOSE, type User } from '../protocol.js';
import { TokenBucket } from '../lib/rate-limiter.js';

export interface Subscription {
  /** false while the subscribe is being set up; frames are buffered meanwhile. */
  live: boolean;
  /** Highest seq delivered (or replayed) on this subscription. */
  lastSeq: number;
  buffer: { seq: number; json: string }[];
}

export interface ConnectionLimits {
  softBufferBytes: number;
  hardBufferBytes: number;
  sendRatePerSec: number;
  sendBurst: number;
}

/** How long a socket may stay above the soft bound before it is closed as too slow. */
export const SLOW_SOCKET_GRACE_MS = 10_000;
/** Invalid frames tolerated within INVALID_FRAME_WINDOW_MS before closing with 4008. */
export const INVALID_FRAME_LIMIT = 10;
export const INVALID_FRAME_WINDOW_MS = 10_000;

let nextId = 1;

/** A server->client text frame, serialized and framed once, written as-is to any number of sockets. */
export class OutFrame {
  private framed: Buffer | null = null;
  constructor(readonly json: string) {}

  /** The whole WebSocket frame (FIN + text opcode, unmasked header, then the UTF-8 payload). */
  get bytes(): Buffer {
    return (this.framed ??= encodeTextFrame(this.json));
  }
}

/** Frames a text message the way a server sends it (RFC 6455 5.2: FIN, opcode 1, no mask). */
export function encodeTextFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const header = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const buf = Buffer.allocUnsafe(header + length);
  buf[0] = 0x81;
  if (header === 2) buf[1] = length;
  else if (header === 4) {
    buf[1] = 126;
    buf.writeUInt16BE(length, 2);
  } else {
    buf[1] = 127;
    buf.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    buf.writeUInt32BE(length >>> 0, 6);
  }
  buf.write(text, header, 'utf8');
  return buf;
}

/** The parts of ws's WebSocket internals the fast path relies on; checked before every use. */
interface WsInternals {
  _socket?: { writable?: boolean; cork(): void; uncork(): void; write(b: Buffer): boolean } | null;
  _sender?: { _state?: number; _queue?: unknown[] } | null;
}

/**
 * Lets go of what the HTTP upgrade left attached to an open socket. @fastify/websocket's per-socket
 * 'error' listener closes over the Fastify request and reply, and the TCP socket keeps the upgrade's
 * ServerResponse as `_httpMessage`: together they held about 3.4 KB per idle connection (10,000
 * idle sockets measured 10.65 KB each with them, 7.28 KB without; plain `ws` 6.3 KB). The listener is
 * replaced by one doing what the app's websocket errorHandler does (close with 4008; ws has already
 * closed with 1002/1009 itself for protocol errors). Listeners added after this (the route's own) stay.
 */
function releaseUpgrade(socket: WebSocket, onError: () => void): void {
  const raw = (socket as unknown as { _socket?: { _httpMessage?: unknown } | null })._socket;
  if (raw && raw._httpMessage) raw._httpMessage = null; // its 'close' hook reads this and no-ops on null
  if (typeof socket.listeners !== 'function') return;
  const inherited = socket.listeners('error');
  if (!inherited.length) return;
  for (const listener of inherited) socket.removeListener('error', listener as (err: Error) => void);
  socket.on('error', onError);
}

/** Connections with frames waiting for the end of this turn, flushed together. */
let dirty: Connection[] = [];
let flushScheduled = false;

function flushAll(): void {
  flushScheduled = false;
  const batch = dirty;
  dirty = [];
  for (const conn of batch) {
    // One socket's failure must not hold back the others' frames.
    try {
      conn.flush();
    } catch (err) {
      conn.socket.terminate();
    }
  }
}

function markDirty(conn: Connection): void {
  dirty.push(conn);
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flushAll);
  }
}

export class Connection {
  readonly id = nextId++;
  readonly subs = new Map<string, Subscription>();
  readonly sendBucket: TokenBucket;
  alive = true;
  closed = false;
  private overSince = 0;
  private invalidCount = 0;
  private invalidWindowStart = 0;
  /** Frames waiting for the end of the turn (null while empty, to keep idle connections small). */
  private outbox: OutFrame[] | null = null;
  private outboxBytes = 0;

  constructor(
    readonly socket: WebSocket,
    readonly user: User,
    readonly sessionId: string,
    private readonly limits: ConnectionLimits,
  ) {
    this.sendBucket = new TokenBucket(limits.sendRatePerSec, limits.sendBurst);
    releaseUpgrade(socket, () => this.close(CLOSE.POLICY, 'internal error'));
  }

  /** Bytes queued for this socket: in the kernel-side write buffer, ws's sender, and our outbox. */
  get bufferedAmount(): number {
    return this.socket.bufferedAmount + this.outboxBytes;
  }

  /** Chat messages, acks, subscription replies: never dropped. */
  sendDurable(frame: string | OutFrame): void {
    if (this.closed) return;
    if (this.bufferedAmount > this.limits.hardBufferBytes) {
      this.closeTooSlow();
      return;
    }
    this.trackPressure();
    this.enqueue(typeof frame === 'string' ? new OutFrame(frame) : frame);
  }

  /** Typing, presence, member and read events: dropped when the socket is backed up. */
  sendEphemeral(frame: string | OutFrame): void {
    if (this.closed) return;
    if (this.bufferedAmount > this.limits.softBufferBytes) {
      this.trackPressure();
      return;
    }
    this.enqueue(typeof frame === 'string' ? new OutFrame(frame) : frame);
  }

  send(frame: object, durable = true): void {
    const json = JSON.stringify(frame);
    if (durable) this.sendDurable(json);
    else this.sendEphemeral(json);
  }

  private enqueue(frame: OutFrame): void {
    if (this.outbox) this.outbox.push(frame);
    else {
      this.outbox = [frame];
      markDirty(this);
    }
    this.outboxBytes += frame.bytes.length;
  }

  /** Writes the outbox: one corked write of the pre-framed bytes, or ws's send as a fallback. */
  flush(): void {
    const frames = this.outbox;
    if (!frames) return;
    this.outbox = null;
    this.outboxBytes = 0;
    const ws = this.socket;
    if (ws.readyState !== 1 /* OPEN */) return; // closing or closed: nothing more may be sent
    const internals = ws as unknown as WsInternals;
    const raw = internals._socket;
    const sender = internals._sender;
    const direct = raw && raw.writable && sender && sender._state === 0 && sender._queue?.length === 0;
    if (!direct) {
      for (const f of frames) ws.send(f.json);
      return;
    }
    if (frames.length === 1) {
      raw.write(frames[0]!.bytes);
      return;
    }
    raw.cork();
    for (const f of frames) raw.write(f.bytes);
    raw.uncork();
  }

  /** Called by the heartbeat too: a socket that stays over the soft bound is closed. */
  trackPressure(now = Date.now()): void {
    if (this.bufferedAmount <= this.limits.softBufferBytes) {
      this.overSince = 0;
      return;
    }
    if (!this.overSince) this.overSince = now;
    else if (now - this.overSince > SLOW_SOCKET_GRACE_MS) this.closeTooSlow();
  }

  /**
   * Waits until the backlog is below the soft bound (this turn's coalesced writes are flushed
   * first). False when the socket closed, or stayed backed up too long and was closed.
   */
  async drained(): Promise<boolean> {
    const deadline = Date.now() + SLOW_SOCKET_GRACE_MS;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (this.closed) return false;
      if (this.bufferedAmount <= this.limits.softBufferBytes) return true;
      if (Date.now() > deadline) {
        this.closeTooSlow();
        return false;
      }
    }
  }

  closeTooSlow(): void {
    this.close(CLOSE.TOO_SLOW, 'too slow to keep up; reconnect and resume');
  }

  /** Counts a bad frame; true when the client has sent too many and was closed. */
  strike(now = Date.now()): boolean {
    if (now - this.invalidWindowStart > INVALID_FRAME_WINDOW_MS) {
      this.invalidWindowStart = now;
      this.invalidCount = 0;
    }
    this.invalidCount++;
    if (this.invalidCount > INVALID_FRAME_LIMIT) {
      this.close(CLOSE.POLICY, 'too many invalid frames');
      return true;
    }
    return false;
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    // What was accepted before the close goes out before the close frame.
    this.flush();
    this.closed = true;
    try {
      this.socket.close(code, reason);
    } catch {
      this.socket.terminate();
    }
  }
}
