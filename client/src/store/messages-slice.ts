import type { StateCreator } from 'zustand';
import { mergeMessages } from '../lib/timeline';
import type { Message } from '../lib/wire';
import type { Store } from './index';

export interface Timeline {
  /** Held messages, ascending seq, no duplicates, contiguous once `loaded`. */
  messages: Message[];
  /** The latest page was loaded over HTTP (before that only live frames are held). */
  loaded: boolean;
  /** Older pages exist before the first held message. */
  hasMore: boolean;
  loadingOlder: boolean;
}

export interface MessagesSlice {
  timelines: Record<string, Timeline>;
  /**
   * Messages from the server (live, replayed, acked or fetched): merged into the room's timeline,
   * the sidebar preview and unread count updated, the matching outbox item and typing cleared.
   */
  receiveMessages(roomId: string, messages: Message[]): void;
  /** The latest page over HTTP: replaces what is held before it, keeps newer live messages. */
  setLatestPage(roomId: string, messages: Message[], hasMore: boolean): void;
  prependPage(roomId: string, messages: Message[], hasMore: boolean): void;
  setLoadingOlder(roomId: string, loading: boolean): void;
}

const EMPTY: Timeline = { messages: [], loaded: false, hasMore: true, loadingOlder: false };

/**
 * Rooms that are not on screen keep only their latest messages: a busy room in the sidebar does
 * not grow without bound. Past this many, the oldest are dropped down to KEEP_IN_BACKGROUND (they
 * are paged in again over HTTP when the room is read).
 */
export const MAX_IN_BACKGROUND = 300;
export const KEEP_IN_BACKGROUND = 200;

export const createMessagesSlice: StateCreator<Store, [], [], MessagesSlice> = (set, get) => ({
  timelines: {},
  receiveMessages: (roomId, incoming) => {
    if (incoming.length === 0) return;
    const s = get();
    const me = s.user?.id;
    let timeline = s.timelines[roomId] ?? EMPTY;
    let messages = mergeMessages(timeline.messages, incoming);
    if (messages.length > MAX_IN_BACKGROUND && s.activeRoomId !== roomId) {
      messages = messages.slice(-KEEP_IN_BACKGROUND);
      timeline = { ...timeline, hasMore: true };
    }

    let rooms = s.rooms;
    const room = s.rooms[roomId];
    if (room) {
      let { lastSeq, unreadCount, lastMessage, lastReadSeq } = room;
      for (const m of incoming) {
        const mine = m.author.id === me;
        if (m.seq > lastSeq) {
          lastSeq = m.seq;
          if (!mine && m.seq > lastReadSeq && s.readingRoomId !== roomId) unreadCount += 1;
        }
        if (m.seq >= lastSeq && (!lastMessage || m.seq >= lastMessage.seq)) lastMessage = m;
        if (mine && m.seq > lastReadSeq) {
          // Writing in a room means having read it up to there.
          lastReadSeq = m.seq;
          unreadCount = 0;
        }
      }
      if (s.readingRoomId === roomId) unreadCount = 0;
      rooms = { ...s.rooms, [roomId]: { ...room, lastSeq, unreadCount, lastMessage, lastReadSeq } };
    }

    const mine = new Set(incoming.filter((m) => m.author.id === me).map((m) => m.clientMsgId));
    const outbox = mine.size ? s.outbox.filter((i) => !mine.has(i.clientMsgId)) : s.outbox;

    const authors = new Set(incoming.map((m) => m.author.id));
    const roomTyping = s.typing[roomId];
    const typing =
      roomTyping && roomTyping.some((t) => authors.has(t.user.id))
        ? { ...s.typing, [roomId]: roomTyping.filter((t) => !authors.has(t.user.id)) }
        : s.typing;

    set({
      timelines:
        s.timelines[roomId] && messages === timeline.messages ? s.timelines : { ...s.timelines, [roomId]: { ...timeline, messages } },
      rooms,
      outbox: outbox.length === s.outbox.length ? s.outbox : outbox,
      typing,
    });
  },
  setLatestPage: (roomId, page, hasMore) => {
    const timeline = get().timelines[roomId] ?? EMPTY;
    let kept = timeline.messages;
    if (page.length > 0) {
      const min = page[0]!.seq;
      const max = page[page.length - 1]!.seq;
      kept = timeline.messages.filter((m) => m.seq > max || m.seq < min);
      // Older held messages stay only if they join the page without a gap.
      const older = kept.filter((m) => m.seq < min);
      if (older.length > 0 && older[older.length - 1]!.seq !== min - 1) kept = kept.filter((m) => m.seq > max);
    }
    const keepsOlder = kept.some((m) => page.length > 0 && m.seq < page[0]!.seq);
    set((s) => ({
      timelines: {
        ...s.timelines,
        [roomId]: {
          messages: mergeMessages(kept, page),
          loaded: true,
          hasMore: keepsOlder ? timeline.hasMore : hasMore,
          loadingOlder: false,
        },
      },
    }));
    get().receiveMessages(roomId, page);
  },
  prependPage: (roomId, page, hasMore) => {
    const timeline = get().timelines[roomId] ?? EMPTY;
    set((s) => ({
      timelines: {
        ...s.timelines,
        [roomId]: { ...timeline, messages: mergeMessages(timeline.messages, page), hasMore, loadingOlder: false },
      },
    }));
  },
  setLoadingOlder: (roomId, loading) => {
    const timeline = get().timelines[roomId] ?? EMPTY;
    set((s) => ({ timelines: { ...s.timelines, [roomId]: { ...timeline, loadingOlder: loading } } }));
  },
});
