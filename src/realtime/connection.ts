/**
 * One WebSocket connection: who it is, what it is subscribed to, and the write policy
 * (ephemeral frames are dropped under pressure, durable ones never: a socket that cannot keep up
 * is closed with 4009 and resumes from its last seq).
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

export class Connection {
  readonly id = nextId++;
  readonly subs = new Map<string, Subscription>();
  readonly sendBucket: TokenBucket;
  alive = true;
  closed = false;
  private overSince = 0;
  private invalidCount = 0;
  private invalidWindowStart = 0;

  constructor(
    readonly socket: WebSocket,
    readonly user: User,
    readonly sessionId: string,
    private readonly limits: ConnectionLimits,
  ) {
    this.sendBucket = new TokenBucket(limits.sendRatePerSec, limits.sendBurst);
  }

  /** Chat messages, acks, subscription replies: never dropped. */
  sendDurable(json: string): void {
    if (this.closed) return;
    if (this.socket.bufferedAmount > this.limits.hardBufferBytes) {
      this.close(CLOSE.TOO_SLOW, 'too slow to keep up; reconnect and resume');
      return;
    }
    this.trackPressure();
    this.socket.send(json);
  }

  /** Typing, presence, member and read events: dropped when the socket is backed up. */
  sendEphemeral(json: string): void {
    if (this.closed) return;
    if (this.socket.bufferedAmount > this.limits.softBufferBytes) {
      this.trackPressure();
      return;
    }
    this.socket.send(json);
  }

  send(frame: object, durable = true): void {
    const json = JSON.stringify(frame);
    if (durable) this.sendDurable(json);
    else this.sendEphemeral(json);
  }

  /** Called by the heartbeat too: a socket that stays over the soft bound is closed. */
  trackPressure(now = Date.now()): void {
    if (this.socket.bufferedAmount <= this.limits.softBufferBytes) {
      this.overSince = 0;
      return;
    }
    if (!this.overSince) this.overSince = now;
    else if (now - this.overSince > SLOW_SOCKET_GRACE_MS) this.close(CLOSE.TOO_SLOW, 'too slow to keep up; reconnect and resume');
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
    this.closed = true;
    try {
      this.socket.close(code, reason);
    } catch {
      this.socket.terminate();
    }
  }
}
