/**
 * One WebSocket connection: who it is (user, session), what it is subscribed to, and its policy:
 * ephemeral frames are dropped under pressure, durable ones never (a socket that cannot keep up
 * is closed with 4009 and resumes from its last seq); too many invalid frames close it with 4008;
 * a socket that misses a heartbeat is terminated. Framing and coalesced writes are SocketWriter's.
 */
import type { WebSocket } from 'ws';
import { CLOSE, type Message, type ServerFrame, type User } from '../protocol.js';
import type { AckTarget } from './ack-target.js';
import { ackFrameJson, encodeFrame } from './frames.js';
import { OutFrame, SocketWriter } from './socket-writer.js';
import { SubscriptionMap } from './subscription-map.js';
import { RealtimeStats } from './realtime-stats.js';

export { OutFrame, encodeTextFrame } from './socket-writer.js';

export interface ConnectionLimits {
  softBufferBytes: number;
  hardBufferBytes: number;
}

/** How long a socket may stay above the soft bound before it is closed as too slow. */
export const SLOW_SOCKET_GRACE_MS = 10_000;
/** Invalid frames tolerated within INVALID_FRAME_WINDOW_MS before closing with 4008. */
export const INVALID_FRAME_LIMIT = 10;
export const INVALID_FRAME_WINDOW_MS = 10_000;

let nextId = 1;

export class Connection implements AckTarget {
  readonly id = nextId++;
  /** This connection's side of the room index (RoomRegistry keeps it in step with the room side). */
  readonly subs = new SubscriptionMap();
  private readonly out: SocketWriter;
  private alive = true;
  private closed = false;
  private overSince = 0;
  private invalidCount = 0;
  private invalidWindowStart = 0;

  constructor(
    readonly socket: WebSocket,
    /** Replaced when the profile changes (Hub.userUpdated); the id never changes. */
    public user: User,
    readonly sessionId: string,
    private readonly limits: ConnectionLimits,
    /** Where deliveries, drops and 4009 closes are counted (the hub's, for /metrics). */
    private readonly stats: RealtimeStats = new RealtimeStats(),
  ) {
    this.out = new SocketWriter(socket);
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Bytes queued for this socket: in the kernel-side write buffer, ws's sender, and the outbox. */
  get bufferedAmount(): number {
    return this.out.bufferedAmount;
  }

  /** The client showed a sign of life (a frame or a pong). */
  markAlive(): void {
    this.alive = true;
  }

  /** The socket is gone (its 'close' event): nothing more is sent. */
  markClosed(): void {
    this.closed = true;
  }

  /** Gives up on the socket at once, without a close handshake. */
  markDead(): void {
    this.closed = true;
    this.socket.terminate();
  }

  /** Heartbeat tick: a socket that showed no sign of life since the previous tick is terminated. */
  beat(): void {
    if (!this.alive) return this.markDead();
    this.alive = false;
    this.trackPressure();
    try {
      this.socket.ping();
    } catch {
      this.markDead();
    }
  }

  /** Chat messages, acks, subscription replies: never dropped. */
  sendDurable(frame: string | OutFrame): void {
    if (this.closed) return;
    if (this.bufferedAmount > this.limits.hardBufferBytes) {
      this.closeTooSlow();
      return;
    }
    this.trackPressure();
    this.stats.deliveries++;
    this.out.write(typeof frame === 'string' ? new OutFrame(frame) : frame);
  }

  /** Typing, presence, member and read events: dropped when the socket is backed up. */
  sendEphemeral(frame: string | OutFrame): void {
    if (this.closed) return;
    if (this.bufferedAmount > this.limits.softBufferBytes) {
      this.stats.droppedEphemeral++;
      this.trackPressure();
      return;
    }
    this.stats.deliveries++;
    this.out.write(typeof frame === 'string' ? new OutFrame(frame) : frame);
  }

  /** A server frame, durable unless said otherwise. */
  send(frame: ServerFrame, durable = true): void {
    const json = encodeFrame(frame);
    if (durable) this.sendDurable(json);
    else this.sendEphemeral(json);
  }

  /** The one place an ack is built, for new messages (from the hub, in seq order) and retried ones alike. */
  ack(message: Message, messageJson: string = JSON.stringify(message)): void {
    this.sendDurable(ackFrameJson(message.clientMsgId, messageJson));
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
    this.out.flush();
    this.closed = true;
    try {
      this.socket.close(code, reason);
    } catch {
      this.socket.terminate();
    }
  }

  private closeTooSlow(): void {
    if (!this.closed) this.stats.tooSlowCloses++;
    this.close(CLOSE.TOO_SLOW, 'too slow to keep up; reconnect and resume');
  }
}
