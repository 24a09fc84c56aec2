/**
 * The transport side of a connection: framing and coalesced writes, on top of ws's internals.
 *
 * Invariants:
 * - Every frame given to a SocketWriter during one event-loop turn waits in its outbox, and the
 *   whole outbox goes to the kernel as ONE Buffer in one write when the turn ends (setImmediate),
 *   or, right after a flush that took milliseconds, a little later (`flushDelay`, at most 2 ms).
 * - A broadcast frames its bytes once (`OutFrame`); every subscriber's socket gets the same Buffer.
 *   Outboxes of one flush holding the same frames (a room's subscribers, the usual case) share one
 *   joined Buffer too: a turn of N messages into a room costs each socket one write, not N.
 * - ws's own send path (framing, a write per frame) is only a fallback when its sender is busy
 *   (e.g. compression) or the socket is not a plain TCP one; the internals used are checked first.
 * - Order: every frame of a socket goes through its outbox; `flush()` before a close frame keeps
 *   what was accepted ahead of it. Bytes in the outbox count towards `bufferedAmount`.
 */
import type { WebSocket } from 'ws';

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
  _socket?: { writable?: boolean; write(b: Buffer): boolean; _httpMessage?: { detachSocket?(socket: unknown): void } | null } | null;
  _sender?: { _state?: number; _queue?: unknown[] } | null;
}

/**
 * Lets go of what the HTTP upgrade left attached to an open socket. @fastify/websocket's per-socket
 * 'error' listener closes over the Fastify request and reply, and the TCP socket keeps the upgrade's
 * ServerResponse as `_httpMessage`, and its 'close' listener: the first two held about 3.4 KB per
 * idle connection (10,000 idle sockets measured 10.65 KB each with them, 7.28 KB without; plain
 * `ws` 6.3 KB), the listener with its array ~0.2 KB more. The response is detached as Node detaches
 * a finished one (`detachSocket`: its 'close' listener and the socket's reference to it go); the
 * error listener is replaced by `onError`, the session's one. Listeners added after this stay.
 */
export function releaseUpgrade(socket: WebSocket, onError: (this: WebSocket, err: Error) => void): void {
  const raw = (socket as unknown as WsInternals)._socket;
  const response = raw?._httpMessage;
  if (response) {
    if (typeof response.detachSocket === 'function') response.detachSocket(raw);
    else raw._httpMessage = null; // its 'close' hook reads this and no-ops on null
  }
  if (typeof socket.listeners !== 'function') return;
  for (const listener of socket.listeners('error')) socket.removeListener('error', listener as (err: Error) => void);
  socket.on('error', onError);
}

/** Writers with frames waiting for the end of this turn, flushed together. */
let dirty: SocketWriter[] = [];
let flushScheduled = false;

/**
 * The joined bytes of the outboxes of one flush, by their first frame. An entry is reused only for
 * an outbox holding exactly the same frames in the same order (checked frame by frame), so a
 * socket that also got a frame of its own in the turn gets a Buffer of its own.
 */
type JoinCache = Map<OutFrame, { frames: OutFrame[]; bytes: Buffer }>;

function sameFrames(a: readonly OutFrame[], b: readonly OutFrame[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function joined(frames: OutFrame[], length: number, cache?: JoinCache): Buffer {
  const hit = cache?.get(frames[0]!);
  if (hit && sameFrames(hit.frames, frames)) return hit.bytes;
  const bytes = Buffer.concat(
    frames.map((f) => f.bytes),
    length,
  );
  cache?.set(frames[0]!, { frames, bytes });
  return bytes;
}

/** When the last flush ended, and how long it took (ms, performance.now()). */
let lastFlushEnd = 0;
let lastFlushMs = 0;

function flushAll(): void {
  flushScheduled = false;
  const started = performance.now();
  const batch = dirty;
  dirty = [];
  const cache: JoinCache = new Map();
  for (const writer of batch) {
    // One socket's failure must not hold back the others' frames.
    try {
      writer.flush(cache);
    } catch {
      writer.socket.terminate();
    }
  }
  lastFlushEnd = performance.now();
  lastFlushMs = lastFlushEnd - started;
}

/**
 * Flush pacing: after a flush that took d ms, the next one waits until d/2 ms have passed since it
 * ended (at most MAX_FLUSH_PAUSE_MS). An idle server flushes at the end of the turn as before (d
 * is microseconds); a busy one, where writing to every socket takes milliseconds, spends at most
 * about two thirds of its time writing, and puts the frames of several turns into each write
 * (a socket write costs the same for one frame or ten: measured by `npm run bench`, fan-out).
 */
export const MAX_FLUSH_PAUSE_MS = 2;

/** How long (ms) a flush asked for `now` waits; under 1 ms it runs at the end of the turn. */
export function flushDelay(lastEnd: number, lastMs: number, now: number): number {
  const wait = lastEnd + Math.min(lastMs / 2, MAX_FLUSH_PAUSE_MS) - now;
  return wait >= 1 ? wait : 0;
}

function markDirty(writer: SocketWriter): void {
  dirty.push(writer);
  if (flushScheduled) return;
  flushScheduled = true;
  const wait = flushDelay(lastFlushEnd, lastFlushMs, performance.now());
  if (wait) setTimeout(flushAll, wait);
  else setImmediate(flushAll);
}

export class SocketWriter {
  /** Frames waiting for the end of the turn (null while empty, to keep idle connections small). */
  private outbox: OutFrame[] | null = null;
  private outboxBytes = 0;

  constructor(readonly socket: WebSocket) {}

  /** Bytes queued for this socket: in the kernel-side write buffer, ws's sender, and the outbox. */
  get bufferedAmount(): number {
    return this.socket.bufferedAmount + this.outboxBytes;
  }

  write(frame: OutFrame): void {
    if (this.outbox) this.outbox.push(frame);
    else {
      this.outbox = [frame];
      markDirty(this);
    }
    this.outboxBytes += frame.bytes.length;
  }

  /** Writes the outbox: one write of the pre-framed bytes (joined), or ws's send as a fallback. */
  flush(cache?: JoinCache): void {
    const frames = this.outbox;
    if (!frames) return;
    const length = this.outboxBytes;
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
    raw.write(frames.length === 1 ? frames[0]!.bytes : joined(frames, length, cache));
  }
}
