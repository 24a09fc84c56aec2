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

  /** Shows the message of `seq` highlighted: where it is held already, else in a window around it. */
  async jumpTo(roomId: string, seq: number, announcement = 'Showing the original message'): Promise<void> {
    const { store } = this.deps;
    const timeline = store.getState().timelines[roomId];
    const held = (list: readonly { seq: number }[] | undefined) => !!list?.some((m) => m.seq === seq);
    if (held(timeline?.messages)) {
      store.getState().closeWindow(roomId);
    } else if (!held(timeline?.window?.messages)) {
      try {
        const { messages, hasOlder, hasNewer } = await api.around(roomId, seq, PAGE_SIZE);
        // The window joins the latest messages: nothing to detach, the timeline takes them.
        const first = timeline?.messages[0];
        const last = messages[messages.length - 1];
        if (first && last && last.seq >= first.seq) store.getState().prependPage(roomId, messages, hasOlder);
        else store.getState().openWindow(roomId, messages, hasOlder, hasNewer);
      } catch {
        store.getState().toast('Could not load that message.', 'error');
        return;
      }
    }
    store.getState().setHighlight(roomId, seq);
    store.getState().announce(announcement);
  }

  /** Pages the window of older history: before its first or after its last message. */
  async loadWindow(roomId: string, side: 'older' | 'newer'): Promise<void> {
    const { store } = this.deps;
    const w = store.getState().timelines[roomId]?.window;
    if (!w || w.loading || !(side === 'older' ? w.hasOlder : w.hasNewer)) return;
    const edge = side === 'older' ? w.messages[0] : w.messages[w.messages.length - 1];
    if (!edge) return;
    store.getState().setWindowLoading(roomId, true);
    try {
      const page = side === 'older' ? { before: edge.seq, limit: PAGE_SIZE } : { after: edge.seq, limit: PAGE_SIZE };
      const { messages, hasMore } = await api.messages(roomId, page);
      const latest = store.getState().timelines[roomId]?.messages[0];
      // Reaching the held latest messages: the window is no longer needed.
      if (side === 'newer' && latest && messages.some((m) => m.seq >= latest.seq)) {
        store.getState().prependPage(roomId, [...w.messages, ...messages], w.hasOlder);
        store.getState().closeWindow(roomId);
      } else store.getState().extendWindow(roomId, messages, side, hasMore);
    } catch {
      store.getState().setWindowLoading(roomId, false);
    }
  }
}
