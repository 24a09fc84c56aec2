import type { StateCreator } from 'zustand';
import { addItem, removeItem, setStatus, type OutboxItem } from '../lib/outbox';
import type { Store } from './index';

export interface OutboxSlice {
  /** Unacknowledged messages of the current user, oldest first (persisted by the realtime module). */
  outbox: OutboxItem[];
  setOutbox(items: OutboxItem[]): void;
  enqueue(item: OutboxItem): void;
  markFailed(clientMsgId: string, error: string): void;
  markPending(clientMsgId: string): void;
  discard(clientMsgId: string): void;
}

export const createOutboxSlice: StateCreator<Store, [], [], OutboxSlice> = (set) => ({
  outbox: [],
  setOutbox: (outbox) => set({ outbox }),
  enqueue: (item) => set((s) => ({ outbox: addItem(s.outbox, item) })),
  markFailed: (id, error) => set((s) => ({ outbox: setStatus(s.outbox, id, 'failed', error) })),
  markPending: (id) => set((s) => ({ outbox: setStatus(s.outbox, id, 'pending') })),
  discard: (id) => set((s) => ({ outbox: removeItem(s.outbox, id) })),
});
