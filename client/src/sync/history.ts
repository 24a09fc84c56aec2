import { api, isApiError } from '../lib/api';
import type { AppStore } from '../store';

/**
 * What is fetched over HTTP for the timelines and the sidebar: the joined rooms, the latest page
 * of a room (first open, or when a resume could not recover the gap) and older pages. At most one
 * older-page request per room is in flight.
 */

export const PAGE_SIZE = 50;

export interface HistoryDeps {
  store: AppStore;
  /** A room that appeared in the list: subscribe it on the socket. */
  onNewRoom(roomId: string): void;
}

export class History {
  private readonly loadingOlder = new Set<string>();

  constructor(private readonly deps: HistoryDeps) {}

  async refreshRooms(): Promise<void> {
    const { store } = this.deps;
    try {
      const { rooms } = await api.joinedRooms();
      const before = new Set(Object.keys(store.getState().rooms));
      store.getState().setJoinedRooms(rooms);
      for (const r of rooms) if (!before.has(r.id)) this.deps.onNewRoom(r.id);
    } catch (err) {
      if (!isApiError(err, 'NETWORK') && !isApiError(err, 'TIMEOUT') && !isApiError(err, 'UNAUTHORIZED')) {
        store.getState().toast('Could not load your rooms.', 'error');
      }
    }
  }

  async loadLatest(roomId: string): Promise<void> {
    const { messages, hasMore } = await api.messages(roomId, { limit: PAGE_SIZE });
    this.deps.store.getState().setLatestPage(roomId, messages, hasMore);
  }

  async loadOlder(roomId: string): Promise<void> {
    const { store } = this.deps;
    const timeline = store.getState().timelines[roomId];
    if (!timeline?.loaded || !timeline.hasMore || this.loadingOlder.has(roomId)) return;
    const first = timeline.messages[0];
    if (!first) return;
    this.loadingOlder.add(roomId);
    store.getState().setLoadingOlder(roomId, true);
    try {
      const { messages, hasMore } = await api.messages(roomId, { before: first.seq, limit: PAGE_SIZE });
      store.getState().prependPage(roomId, messages, hasMore);
    } catch {
      store.getState().setLoadingOlder(roomId, false);
    } finally {
      this.loadingOlder.delete(roomId);
    }
  }
}
