import { addItem, removeItem, setStatus } from '../lib/outbox';
import type { OutboxSlice, OutboxState, SliceCreator } from './types';

export const initialOutboxState: OutboxState = { outbox: [] };

export const createOutboxSlice: SliceCreator<OutboxSlice, OutboxState> = (set) => ({
  ...initialOutboxState,
  setOutbox: (outbox) => set({ outbox }),
  enqueue: (item) => set((s) => ({ outbox: addItem(s.outbox, item) })),
  markFailed: (id, error) => set((s) => ({ outbox: setStatus(s.outbox, id, 'failed', error) })),
  markPending: (id) => set((s) => ({ outbox: setStatus(s.outbox, id, 'pending') })),
  discard: (id) => set((s) => ({ outbox: removeItem(s.outbox, id) })),
});
