import { removeItems } from '../lib/outbox';
import { mergeMessages } from '../lib/timeline';
import type { JoinedRoom, Message } from '../lib/wire';
import { EMPTY_TIMELINE, initialMessagesState } from './messages-slice';
import { initialOutboxState } from './outbox-slice';
import { initialPresenceState } from './presence-slice';
import { initialRoomsState } from './rooms-slice';
import { signedOutSessionState } from './session-slice';
import type { CrossSliceActions, Store } from './types';
import { initialUiUserState } from './ui-slice';

/**
 * The transitions that span slices. Each one reads what it needs and writes every slice it
 * changes in ONE `set`, so no render ever sees a half-applied transition (a message in the
 * timeline but still pending in the outbox, say). Slices themselves only write their own fields.
 */

/**
 * Rooms that are not on screen keep only their latest messages: a busy room in the sidebar does
 * not grow without bound. Past this many, the oldest are dropped down to KEEP_IN_BACKGROUND (they
 * are paged in again over HTTP when the room is read).
 */
export const MAX_IN_BACKGROUND = 300;
export const KEEP_IN_BACKGROUND = 200;

/**
 * Everything that belongs to a signed-in user, at its initial value: one entry per slice (the UI
 * slice contributes only its user part; the connection, toasts and theme belong to the tab).
 */
const USER_STATE = {
  ...signedOutSessionState,
  ...initialRoomsState,
  ...initialMessagesState,
  ...initialOutboxState,
  ...initialPresenceState,
  ...initialUiUserState,
} satisfies Partial<Store>;

function without<T>(record: Record<string, T>, key: string): Record<string, T> {
  if (!(key in record)) return record;
  const next = { ...record };
  delete next[key];
  return next;
}

/** The sidebar summary of a room after `incoming` arrived: last seq, preview, unread, cursor. */
function summarize(room: JoinedRoom, incoming: readonly Message[], me: string | undefined, reading: boolean): JoinedRoom {
  let { lastSeq, unreadCount, lastMessage, lastReadSeq } = room;
  for (const m of incoming) {
    const mine = m.author.id === me;
    if (m.seq > lastSeq) {
      lastSeq = m.seq;
      if (!mine && m.seq > lastReadSeq && !reading) unreadCount += 1;
    }
    if (m.seq >= lastSeq && (!lastMessage || m.seq >= lastMessage.seq)) lastMessage = m;
    if (mine && m.seq > lastReadSeq) {
      // Writing in a room means having read it up to there.
      lastReadSeq = m.seq;
      unreadCount = 0;
    }
  }
  if (reading) unreadCount = 0;
  return { ...room, lastSeq, unreadCount, lastMessage, lastReadSeq };
}

type SetStore = (patch: Partial<Store>) => void;

export function createCrossSliceActions(set: SetStore, get: () => Store): CrossSliceActions {
  const receiveMessages: CrossSliceActions['receiveMessages'] = (roomId, incoming) => {
    if (incoming.length === 0) return;
    const s = get();
    const me = s.user?.id;
    let timeline = s.timelines[roomId] ?? EMPTY_TIMELINE;
    let messages = mergeMessages(timeline.messages, incoming);
    if (messages.length > MAX_IN_BACKGROUND && s.activeRoomId !== roomId) {
      messages = messages.slice(-KEEP_IN_BACKGROUND);
      timeline = { ...timeline, hasMore: true };
    }
    const room = s.rooms[roomId];
    const rooms = room ? { ...s.rooms, [roomId]: summarize(room, incoming, me, s.readingRoomId === roomId) } : s.rooms;

    const mine = new Set(incoming.filter((m) => m.author.id === me).map((m) => m.clientMsgId));
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
      outbox: removeItems(s.outbox, mine),
      typing,
    });
  };

  return {
    receiveMessages,
    setLatestPage: (roomId, page, hasMore) => {
      const timeline = get().timelines[roomId] ?? EMPTY_TIMELINE;
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
      set({
        timelines: {
          ...get().timelines,
          [roomId]: {
            messages: mergeMessages(kept, page),
            loaded: true,
            hasMore: keepsOlder ? timeline.hasMore : hasMore,
            loadingOlder: false,
          },
        },
      });
      receiveMessages(roomId, page);
    },
    markReadLocal: (roomId, seq) => {
      const s = get();
      const room = s.rooms[roomId];
      if (!room) return;
      if (seq <= room.lastReadSeq && room.unreadCount === 0) return;
      const lastReadSeq = Math.max(room.lastReadSeq, seq);
      // Unread messages after the cursor that we hold (by others); 0 once the cursor reaches the end.
      let unreadCount = 0;
      if (lastReadSeq < room.lastSeq) {
        const me = s.user?.id;
        const msgs = s.timelines[roomId]?.messages ?? [];
        unreadCount = msgs.filter((m) => m.seq > lastReadSeq && m.author.id !== me).length;
      }
      set({ rooms: { ...s.rooms, [roomId]: { ...room, lastReadSeq, unreadCount } } });
    },
    removeRoom: (roomId) => {
      const s = get();
      set({
        rooms: without(s.rooms, roomId),
        members: without(s.members, roomId),
        timelines: without(s.timelines, roomId),
        online: without(s.online, roomId),
        typing: without(s.typing, roomId),
      });
    },
    resetUserState: () => set(USER_STATE),
  };
}
