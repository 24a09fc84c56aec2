import { api, setUnauthorizedHandler } from '../lib/api';
import type { StorageLike } from '../lib/outbox';
import { lastSeqOf } from '../lib/timeline';
import type { Attachment, Room, User } from '../lib/wire';
import { useStore, type AppStore } from '../store';
import { Connection } from './connection';
import { createFrameHandlers, dispatchFrame, type FrameHandlers } from './frames';
import { History } from './history';
import type { HttpFallback } from './http-fallback';
import { MessageActions } from './message-actions';
import { OutboxSender } from './outbox-sender';
import { ReadCursor } from './read-cursor';
import type { SocketLike } from './socket';

/**
 * The one sync object of a signed-in tab: it keeps the store in step with the server. It owns the
 * connection (connection.ts), turns server frames into store state (frames.ts), sends the outbox
 * (outbox-sender.ts), loads history (history.ts), keeps read cursors (read-cursor.ts) and falls
 * back to HTTP when WebSockets cannot connect (http-fallback.ts).
 *
 * The app creates one per user (SyncProvider) and stops it on logout or unmount; `start()` after
 * `stop()` starts afresh. It touches the store only through getState()/setState().
 */

/** How often expired typing notices are swept from the store. */
const TYPING_SWEEP_MS = 1_000;

export interface SyncOptions {
  user: User;
  /** Defaults to the app's store; tests pass their own (createAppStore()). */
  store?: AppStore;
  /** Tests pass a fake socket. */
  createSocket?: (url: string) => SocketLike;
  /** Where the outbox is persisted; defaults to localStorage when there is one. */
  storage?: StorageLike;
  /** After the session ended (401 or close 4001) and the user state was cleared. */
  onSessionEnded?: () => void;
}

function defaultStorage(): StorageLike | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined;
  }
}

export class SyncSession {
  readonly store: AppStore;
  /** Edit, delete, react (over HTTP, see message-actions.ts). */
  readonly messages: MessageActions;
  private readonly user: User;
  private readonly connection: Connection;
  private readonly outbox: OutboxSender;
  private readonly history: History;
  private readonly reads: ReadCursor;
  /** Made the first time WebSockets keep failing (its module is loaded then: most sessions never need it). */
  private fallback: HttpFallback | null = null;
  private readonly handlers: FrameHandlers;
  private typingTimer: ReturnType<typeof setInterval> | null = null;
  private running = false;

  constructor(private readonly opts: SyncOptions) {
    this.user = opts.user;
    const store = (this.store = opts.store ?? useStore);
    this.messages = new MessageActions(store);
    const userId = opts.user.id;
    this.connection = new Connection({
      store,
      createSocket: opts.createSocket,
      onFrame: (frame) => dispatchFrame(this.handlers, frame),
      onSessionEnded: () => this.sessionEnded(),
      onFailing: () => void this.enterFallback(),
    });
    this.outbox = new OutboxSender({ store, userId, connection: this.connection, storage: opts.storage ?? defaultStorage() });
    this.history = new History({ store, onNewRoom: (roomId) => this.subscribe(roomId) });
    this.reads = new ReadCursor({ store, connection: this.connection });
    this.handlers = createFrameHandlers({
      store,
      userId,
      outbox: this.outbox,
      history: this.history,
      reads: this.reads,
      connected: () => this.onConnected(),
      outdated: () => this.onOutdated(),
    });
  }

  start(): void {
    this.stop();
    this.running = true;
    this.outbox.start();
    setUnauthorizedHandler(() => this.sessionEnded());
    this.connection.start();
    this.typingTimer = setInterval(() => this.store.getState().expireTyping(), TYPING_SWEEP_MS);
    void this.history.refreshRooms();
  }

  /** Stops everything (logout, a new user, the app unmounting). Safe to call twice. */
  stop(): void {
    this.running = false;
    this.connection.stop();
    this.fallback?.stop();
    if (this.typingTimer) clearInterval(this.typingTimer);
    this.typingTimer = null;
    this.outbox.stop();
    this.reads.clear();
    setUnauthorizedHandler(null);
    this.store.getState().setConnection({ transport: 'ws', state: 'idle', retryAt: null, offline: false, outdated: false });
  }

  async logout(): Promise<void> {
    // Stop first, so the 4001 close that the logout causes is not taken for an expired session.
    this.stop();
    try {
      await api.logout();
    } catch {
      /* the cookie may already be gone; we log out locally anyway */
    }
    this.store.getState().resetUserState();
  }

  // ---- what the UI calls -------------------------------------------------------------------
  sendMessage(roomId: string, body: string, replyToId?: string, attachments?: readonly Attachment[]): void {
    this.outbox.send(roomId, body, replyToId, attachments);
  }
  retryMessage(clientMsgId: string): void {
    this.outbox.retry(clientMsgId);
  }
  discardMessage(clientMsgId: string): void {
    this.outbox.discard(clientMsgId);
  }
  markRead(roomId: string, seq: number): void {
    this.reads.markRead(roomId, seq);
  }
  sendTyping(roomId: string, isTyping: boolean): void {
    this.connection.send({ type: 'typing', roomId, isTyping });
  }
  refreshRooms(): Promise<void> {
    return this.history.refreshRooms();
  }
  loadLatest(roomId: string): Promise<void> {
    return this.history.loadLatest(roomId);
  }
  loadOlder(roomId: string): Promise<void> {
    return this.history.loadOlder(roomId);
  }
  /** Shows the message of `seq` highlighted: in the held timeline, or in a window around it. */
  jumpTo(roomId: string, seq: number, announcement?: string): Promise<void> {
    return this.history.jumpTo(roomId, seq, announcement);
  }
  loadWindow(roomId: string, side: 'older' | 'newer'): Promise<void> {
    return this.history.loadWindow(roomId, side);
  }
  connectNow(): void {
    this.connection.connectNow();
  }

  /** After creating or joining a room. */
  roomJoined(room: Room, inviteCode?: string): void {
    this.store.getState().addRoom(room, inviteCode);
    this.subscribe(room.id);
  }

  async leaveRoom(roomId: string): Promise<void> {
    await api.leave(roomId);
    this.connection.send({ type: 'unsubscribe', roomId });
    this.store.getState().removeRoom(roomId);
  }

  // ---- internals ---------------------------------------------------------------------------
  private subscribe(roomId: string): void {
    if (!this.connection.isOpen) return;
    const s = this.store.getState();
    const room = s.rooms[roomId];
    const timeline = s.timelines[roomId];
    const held = Math.max(lastSeqOf(timeline?.messages ?? []) ?? 0, timeline?.appliedSeq ?? 0);
    // A loaded timeline resumes from the log position it applied, so every missed event (message,
    // edit, deletion, reaction) is replayed; a room only shown in the sidebar resumes from the
    // last seq the server told us about.
    const sinceSeq = timeline?.loaded ? held : Math.max(held, room?.lastSeq ?? 0);
    this.connection.send({ type: 'subscribe', roomId, sinceSeq });
  }

  private async enterFallback(): Promise<void> {
    const { HttpFallback } = await import('./http-fallback');
    // Stopped while the module loaded, or the socket came back meanwhile: nothing to do.
    if (!this.running || this.connection.isOpen) return;
    this.fallback ??= new HttpFallback({
      store: this.store,
      isSocketOpen: () => this.connection.isOpen,
      applyEvent: (event) => dispatchFrame(this.handlers, event),
      refreshRooms: () => this.history.refreshRooms(),
      flushOutbox: () => this.outbox.flush(),
      onSessionEnded: () => this.sessionEnded(),
    });
    await this.fallback.enter();
  }

  private onConnected(): void {
    this.fallback?.stop();
    for (const roomId of Object.keys(this.store.getState().rooms)) this.subscribe(roomId);
  }

  /** The server was updated to a protocol this app does not speak: no retry loop, ask for a reload. */
  private onOutdated(): void {
    this.connection.stop();
    this.fallback?.stop();
    this.store.getState().setConnection({ outdated: true });
  }

  private sessionEnded(): void {
    if (!this.running) return;
    this.stop();
    this.store.getState().resetUserState();
    this.store.getState().toast('Your session ended. Please log in again.', 'error');
    this.opts.onSessionEnded?.();
  }
}
