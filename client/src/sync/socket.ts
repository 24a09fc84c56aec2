import { Backoff, type BackoffOptions } from '../lib/backoff';
import { CLOSE, type ClientFrame, type ReadyFrame, type ServerFrame } from '../lib/wire';
import type { SocketState } from '../lib/socket-state';
import { parseServerFrame } from './parse-frame';

/**
 * One reconnecting WebSocket per tab, as a small state machine:
 *
 *   idle --start--> connecting --ready frame--> open
 *   connecting|open --close/error/timeout--> waiting --timer or hint--> connecting
 *   any --stop or close 4001--> stopped
 *
 * Full-jitter exponential backoff that resets once the server says `ready`; app-level pings find
 * dead links; `online`/`visibilitychange` only hint that now is a good time to try again.
 */
export type { SocketState };

/** How long a connection may take to reach `ready`. */
export const CONNECT_TIMEOUT_MS = 10_000;
/** Send an app-level ping after this long without any frame from the server. */
export const PING_IDLE_MS = 15_000;
/** Give up on the link when nothing arrives this long after a ping. */
export const PONG_TIMEOUT_MS = 8_000;

/** The part of the browser WebSocket that the machine uses; tests pass a fake. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export interface SocketStatus {
  state: SocketState;
  /** When the next attempt starts (epoch ms), while `waiting`. */
  retryAt: number | null;
  /** Attempts that failed since the last successful connection. */
  failures: number;
  /** Whether any attempt ever reached `ready`. */
  everConnected: boolean;
  /** The browser says it is offline. */
  offline: boolean;
}

export interface SocketEvents {
  onReady?(frame: ReadyFrame): void;
  onFrame?(frame: ServerFrame): void;
  onStatus?(status: SocketStatus): void;
  /** The server ended the session (close 4001): log in again; the machine has stopped. */
  onSessionEnded?(): void;
}

export interface SocketOptions extends SocketEvents {
  url: string | (() => string);
  createSocket?: (url: string) => SocketLike;
  backoff?: BackoffOptions;
  now?: () => number;
  connectTimeoutMs?: number;
  pingIdleMs?: number;
  pongTimeoutMs?: number;
}

const OPEN = 1;

export class ReconnectingSocket {
  private socket: SocketLike | null = null;
  private state: SocketState = 'idle';
  private readonly backoff: Backoff;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private connectTimer: ReturnType<typeof setTimeout> | null = null;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;
  private pongTimer: ReturnType<typeof setTimeout> | null = null;
  private retryAt: number | null = null;
  private failures = 0;
  private everConnected = false;
  private offline = false;
  private readonly now: () => number;

  constructor(private readonly opts: SocketOptions) {
    this.backoff = new Backoff(opts.backoff);
    this.now = opts.now ?? Date.now;
  }

  get status(): SocketStatus {
    return {
      state: this.state,
      retryAt: this.retryAt,
      failures: this.failures,
      everConnected: this.everConnected,
      offline: this.offline,
    };
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  start(): void {
    if (this.state !== 'idle' && this.state !== 'stopped') return;
    this.connect();
  }

  /** Closes for good (logout, page teardown). */
  stop(): void {
    this.clearTimers();
    this.detach(1000, 'client stopped');
    this.retryAt = null;
    this.setState('stopped');
  }

  /** Sends a frame when open; returns false (nothing sent) otherwise. */
  send(frame: ClientFrame): boolean {
    if (this.state !== 'open' || !this.socket || this.socket.readyState !== OPEN) return false;
    try {
      this.socket.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  /** The browser came online: try now instead of waiting out the backoff. */
  hintOnline(): void {
    this.offline = false;
    if (this.state === 'waiting') this.connect();
    else this.emitStatus();
  }

  /** The browser went offline: the link is gone even if no close event says so yet. */
  hintOffline(): void {
    this.offline = true;
    if (this.state === 'open' || this.state === 'connecting') {
      this.detach(4000, 'offline');
      this.fail();
    } else this.emitStatus();
  }

  /** The tab became visible: reconnect now if waiting, or check that an open link still lives. */
  hintVisible(): void {
    if (this.state === 'waiting') this.connect();
    else if (this.state === 'open') this.ping();
  }

  private connect(): void {
    this.clearTimers();
    this.retryAt = null;
    this.setState('connecting');
    const url = typeof this.opts.url === 'function' ? this.opts.url() : this.opts.url;
    let socket: SocketLike;
    try {
      socket = this.opts.createSocket ? this.opts.createSocket(url) : (new WebSocket(url) as unknown as SocketLike);
    } catch {
      this.fail();
      return;
    }
    this.socket = socket;
    socket.onmessage = (ev) => this.handleMessage(socket, ev.data);
    socket.onclose = (ev) => this.handleClose(socket, ev.code);
    socket.onerror = () => {
      /* a close event always follows */
    };
    this.connectTimer = setTimeout(() => {
      if (this.socket === socket && this.state === 'connecting') {
        this.detach(4000, 'connect timeout');
        this.fail();
      }
    }, this.opts.connectTimeoutMs ?? CONNECT_TIMEOUT_MS);
  }

  private handleMessage(socket: SocketLike, data: unknown): void {
    if (socket !== this.socket) return;
    const frame = parseServerFrame(data);
    if (!frame) return;
    this.alive();
    if (frame.type === 'ready') {
      if (this.connectTimer) clearTimeout(this.connectTimer);
      this.connectTimer = null;
      this.backoff.reset();
      this.failures = 0;
      this.everConnected = true;
      this.offline = false;
      this.setState('open');
      this.opts.onReady?.(frame);
      return;
    }
    if (frame.type === 'pong') return;
    this.opts.onFrame?.(frame);
  }

  private handleClose(socket: SocketLike, code: number): void {
    if (socket !== this.socket) return;
    this.socket = null;
    if (code === CLOSE.SESSION_ENDED) {
      this.clearTimers();
      this.retryAt = null;
      this.setState('stopped');
      this.opts.onSessionEnded?.();
      return;
    }
    this.fail();
  }

  /** Schedules the next attempt. */
  private fail(): void {
    this.clearTimers();
    this.failures += 1;
    const delay = this.backoff.next();
    this.retryAt = this.now() + delay;
    this.setState('waiting');
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  /** Any frame proves the link is alive: restart the idle timer, cancel the pong deadline. */
  private alive(): void {
    if (this.pongTimer) clearTimeout(this.pongTimer);
    this.pongTimer = null;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.ping(), this.opts.pingIdleMs ?? PING_IDLE_MS);
  }

  private ping(): void {
    if (this.state !== 'open' || this.pongTimer) return;
    if (!this.send({ type: 'ping' })) return;
    this.pongTimer = setTimeout(() => {
      this.pongTimer = null;
      if (this.state !== 'open') return;
      // Dead link: the close event may never come, so drop the socket ourselves.
      this.detach(4000, 'pong timeout');
      this.fail();
    }, this.opts.pongTimeoutMs ?? PONG_TIMEOUT_MS);
  }

  private detach(code: number, reason: string): void {
    const socket = this.socket;
    this.socket = null;
    if (!socket) return;
    socket.onmessage = null;
    socket.onclose = null;
    socket.onopen = null;
    try {
      socket.close(code, reason);
    } catch {
      /* already closed */
    }
  }

  private clearTimers(): void {
    for (const t of [this.retryTimer, this.connectTimer, this.idleTimer, this.pongTimer]) {
      if (t) clearTimeout(t);
    }
    this.retryTimer = this.connectTimer = this.idleTimer = this.pongTimer = null;
  }

  private setState(state: SocketState): void {
    this.state = state;
    this.emitStatus();
  }

  private emitStatus(): void {
    this.opts.onStatus?.(this.status);
  }
}
