import type { ClientFrame, ServerFrame } from '../lib/wire';
import type { AppStore } from '../store';
import { ReconnectingSocket, type SocketLike, type SocketStatus } from './socket';

/**
 * The socket's life inside a session: the reconnecting socket, the browser's hints (online,
 * offline, visible), the connection status in the store, and when to give up on WebSockets for a
 * while (FALLBACK_AFTER_FAILURES). Every frame, `ready` included, goes to `onFrame`.
 */

/** Consecutive failed socket attempts (never reaching `ready`) before falling back to HTTP. */
export const FALLBACK_AFTER_FAILURES = 3;

export interface ConnectionDeps {
  store: AppStore;
  createSocket?: (url: string) => SocketLike;
  onFrame(frame: ServerFrame): void;
  /** Close 4001: the server ended the session. */
  onSessionEnded(): void;
  /** WebSockets keep failing while the browser says it is online: time for the HTTP fallback. */
  onFailing(): void;
}

function wsUrl(): string {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}/ws`;
}

export class Connection {
  private socket: ReconnectingSocket | null = null;
  private removeHints: (() => void) | null = null;
  private count = 0;

  constructor(private readonly deps: ConnectionDeps) {}

  /** Counts connections that reached `ready`: a frame sent on number N is not resent on N. */
  get number(): number {
    return this.count;
  }

  get isOpen(): boolean {
    return this.socket?.isOpen ?? false;
  }

  start(): void {
    this.stop();
    const socket = new ReconnectingSocket({
      url: wsUrl,
      createSocket: this.deps.createSocket,
      onStatus: (status) => this.onStatus(status),
      onReady: (frame) => {
        this.count += 1;
        this.deps.onFrame(frame);
      },
      onFrame: (frame) => this.deps.onFrame(frame),
      onSessionEnded: () => this.deps.onSessionEnded(),
    });
    this.socket = socket;
    this.removeHints = listenToHints(socket);
    if (!navigator.onLine) socket.hintOffline();
    socket.start();
  }

  stop(): void {
    this.socket?.stop();
    this.socket = null;
    this.removeHints?.();
    this.removeHints = null;
  }

  /** Sends when open; false (nothing sent) otherwise. */
  send(frame: ClientFrame): boolean {
    return this.socket?.send(frame) ?? false;
  }

  /** "Retry now": try at once instead of waiting out the backoff. */
  connectNow(): void {
    this.socket?.hintOnline();
  }

  private onStatus(status: SocketStatus): void {
    const { setConnection, connection } = this.deps.store.getState();
    setConnection({
      state: status.state,
      retryAt: status.retryAt,
      offline: status.offline,
      everConnected: status.everConnected || connection.everConnected,
    });
    if (
      status.state === 'waiting' &&
      !status.offline &&
      status.failures >= FALLBACK_AFTER_FAILURES &&
      this.deps.store.getState().connection.transport === 'ws'
    ) {
      this.deps.onFailing();
    }
  }
}

/** `online`/`offline`/`visibilitychange` only hint that now is a good (or no) time to try. */
function listenToHints(socket: ReconnectingSocket): () => void {
  const onOnline = () => socket.hintOnline();
  const onOffline = () => socket.hintOffline();
  const onVisible = () => {
    if (document.visibilityState === 'visible') socket.hintVisible();
  };
  window.addEventListener('online', onOnline);
  window.addEventListener('offline', onOffline);
  document.addEventListener('visibilitychange', onVisible);
  return () => {
    window.removeEventListener('online', onOnline);
    window.removeEventListener('offline', onOffline);
    document.removeEventListener('visibilitychange', onVisible);
  };
}
