import { api, isApiError } from '../lib/api';
import { newClientMsgId } from '../lib/id';
import { attachmentIds, loadOutbox, saveOutbox, sendable, type OutboxItem, type StorageLike } from '../lib/outbox';
import type { Attachment } from '../lib/wire';
import { describeSendError } from '../lib/send-errors';
import type { AppStore } from '../store';
import type { Connection } from './connection';

/**
 * Sends the outbox. Invariants:
 * - an item keeps its clientMsgId for life, so any resend is idempotent on the server;
 * - an item is sent at most once per connection (`sentOn`); a new connection resends what is
 *   still pending once its room is subscribed (`flush(roomId)` on `subscribed`);
 * - a refused item is never dropped: it turns `failed` and waits for the user (retry or discard),
 *   except UNAVAILABLE (nothing stored), which is retried quietly a few times first;
 * - the outbox is persisted per user on every change, so a reload while offline loses nothing.
 */

/** Quiet retries of sends the server refused with UNAVAILABLE (nothing stored, try later). */
export const UNAVAILABLE_RETRIES = 3;

export interface OutboxDeps {
  store: AppStore;
  userId: string;
  connection: Pick<Connection, 'isOpen' | 'number' | 'send'>;
  storage: StorageLike | undefined;
}

export class OutboxSender {
  /** clientMsgId -> the connection it was last sent on (no resend on the same one). */
  private readonly sentOn = new Map<string, number>();
  private readonly unavailableTries = new Map<string, number>();
  private readonly retryTimers = new Set<ReturnType<typeof setTimeout>>();
  private readonly httpInFlight = new Set<string>();
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly deps: OutboxDeps) {}

  /** Restores the persisted outbox and persists every later change. */
  start(): void {
    const { store, storage, userId } = this.deps;
    store.getState().setOutbox(loadOutbox(storage, userId).map((i): OutboxItem => ({ ...i })));
    let lastSaved = store.getState().outbox;
    this.unsubscribe = store.subscribe((state) => {
      if (state.outbox !== lastSaved) {
        lastSaved = state.outbox;
        saveOutbox(storage, userId, state.outbox);
      }
    });
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    this.sentOn.clear();
    this.unavailableTries.clear();
  }

  send(roomId: string, body: string, replyToId?: string, attachments: readonly Attachment[] = []): void {
    const item: OutboxItem = {
      clientMsgId: newClientMsgId(),
      roomId,
      body,
      createdAt: new Date().toISOString(),
      status: 'pending',
      ...(replyToId ? { replyToId } : {}),
      ...(attachments.length ? { attachments: [...attachments] } : {}),
    };
    this.deps.store.getState().enqueue(item);
    this.trySend(item);
  }

  retry(clientMsgId: string): void {
    const item = this.deps.store.getState().outbox.find((i) => i.clientMsgId === clientMsgId);
    if (!item) return;
    this.deps.store.getState().markPending(clientMsgId);
    this.sentOn.delete(clientMsgId);
    this.trySend({ ...item, status: 'pending' });
  }

  discard(clientMsgId: string): void {
    this.sentOn.delete(clientMsgId);
    this.deps.store.getState().discard(clientMsgId);
  }

  /** Sends every pending item (of one room), oldest first. */
  flush(roomId?: string): void {
    for (const item of sendable(this.deps.store.getState().outbox, roomId)) this.trySend(item);
  }

  /** The server stored it (the store's receiveMessages removes the item itself). */
  acked(clientMsgId: string): void {
    this.sentOn.delete(clientMsgId);
  }

  /** An `error` frame: true when it refused one of our sends (`ref` is its clientMsgId). */
  refused(code: string, message: string, ref: string | undefined, retryAfterMs?: number): boolean {
    const item = ref ? this.deps.store.getState().outbox.find((i) => i.clientMsgId === ref) : undefined;
    if (!item) return false;
    const id = item.clientMsgId;
    this.sentOn.delete(id);
    const tries = (this.unavailableTries.get(id) ?? 0) + 1;
    if (code === 'UNAVAILABLE' && tries <= UNAVAILABLE_RETRIES) {
      this.unavailableTries.set(id, tries);
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        const current = this.deps.store.getState().outbox.find((i) => i.clientMsgId === id);
        if (current) this.trySend(current);
      }, 1000 * 2 ** tries + Math.random() * 1000);
      this.retryTimers.add(timer);
      return true;
    }
    this.unavailableTries.delete(id);
    this.deps.store.getState().markFailed(id, describeSendError(code, message, retryAfterMs));
    return true;
  }

  private trySend(item: OutboxItem): void {
    if (item.status !== 'pending') return;
    const { connection, store } = this.deps;
    if (connection.isOpen) {
      if (this.sentOn.get(item.clientMsgId) === connection.number) return;
      const ids = attachmentIds(item);
      const extra = { ...(item.replyToId ? { replyToId: item.replyToId } : {}), ...(ids.length ? { attachmentIds: ids } : {}) };
      if (connection.send({ type: 'send', roomId: item.roomId, clientMsgId: item.clientMsgId, body: item.body, ...extra })) {
        this.sentOn.set(item.clientMsgId, connection.number);
      }
      return;
    }
    const { transport, offline } = store.getState().connection;
    if (transport === 'http' && !offline) void this.sendOverHttp(item);
    // Otherwise it waits in the outbox for the connection to return.
  }

  private async sendOverHttp(item: OutboxItem): Promise<void> {
    if (this.httpInFlight.has(item.clientMsgId)) return;
    this.httpInFlight.add(item.clientMsgId);
    try {
      const { message } = await api.send(item.roomId, item.clientMsgId, item.body, item.replyToId, attachmentIds(item));
      this.deps.store.getState().receiveMessages(message.roomId, [message]);
    } catch (err) {
      if (isApiError(err) && err.status >= 400 && err.status < 500 && err.status !== 408) {
        this.deps.store.getState().markFailed(item.clientMsgId, describeSendError(err.code, err.message, err.retryAfterMs));
      }
      // Network errors and 5xx: it stays pending and goes out with the next flush.
    } finally {
      this.httpInFlight.delete(item.clientMsgId);
    }
  }
}
