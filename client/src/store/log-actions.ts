import { deleted, edited, isDeleted, mentions, patchById, reacted, replyOrphaned } from '../lib/log-apply';
import type { JoinedRoom, Message } from '../lib/wire';
import type { LogActions, Store, Timeline } from './types';

/**
 * The room log's non-message events as store transitions: an edit, a deletion, a reaction (each
 * one action, called by one frame handler in sync/frames.ts, by the HTTP fallback's event poll,
 * and by this tab's own HTTP answers), and the `mention` frame.
 *
 * Invariants: an event with `seq <= timeline.appliedSeq` was applied already and changes nothing
 * (dedupe by seq); an event without seq (this tab's own change, whose event comes later) applies
 * idempotently, so its echo changes nothing either. The timeline, its window of older history, the
 * sidebar preview and the unread/mention counts change in ONE `set`.
 */

type SetStore = (patch: Partial<Store>) => void;

/** What an event does to one message (pure, idempotent: lib/log-apply.ts). */
type Transition = (m: Message) => Message;

export function createLogActions(set: SetStore, get: () => Store): LogActions {
  /**
   * Applies `fn` to the message `messageId` of the room (and `also` to every held message);
   * `seq` moves the applied log position. Recounts unread/mentions for the changed message.
   */
  const apply = (roomId: string, messageId: string, seq: number | undefined, fn: Transition, also?: Transition) => {
    const s = get();
    const timeline = s.timelines[roomId];
    if (timeline && seq !== undefined && seq <= timeline.appliedSeq) return;
    const me = s.user?.id;

    let before: Message | undefined;
    let after: Message | undefined;
    const track: Transition = (m) => {
      before = m;
      after = fn(m);
      return after;
    };
    let timelines = s.timelines;
    if (timeline) {
      const messages = patchById(timeline.messages, messageId, track, also);
      const window = timeline.window && { ...timeline.window, messages: patchById(timeline.window.messages, messageId, track, also) };
      const next: Timeline = {
        ...timeline,
        messages,
        window: window && window.messages !== timeline.window!.messages ? window : timeline.window,
        appliedSeq: Math.max(timeline.appliedSeq, seq ?? 0),
      };
      timelines = { ...s.timelines, [roomId]: next };
    }

    let rooms = s.rooms;
    const room = s.rooms[roomId];
    if (room) {
      let next: JoinedRoom = room;
      if (seq !== undefined && seq > room.lastSeq) next = { ...next, lastSeq: seq };
      if (room.lastMessage?.id === messageId) next = { ...next, lastMessage: fn(room.lastMessage) };
      if (before && after && before !== after) next = recount(next, before, after, me, s.readingRoomId === roomId);
      if (next !== room) rooms = { ...s.rooms, [roomId]: next };
    }
    if (timelines !== s.timelines || rooms !== s.rooms) set({ timelines, rooms });
  };

  return {
    applyEdit: (roomId, c) => apply(roomId, c.messageId, c.seq, (m) => edited(m, c)),
    applyDelete: (roomId, c) =>
      apply(
        roomId,
        c.messageId,
        c.seq,
        (m) => deleted(m, c),
        (m) => replyOrphaned(m, c.messageId),
      ),
    applyReaction: (roomId, c) => apply(roomId, c.messageId, c.seq, (m) => reacted(m, c)),
    receiveMention: (roomId, seq) => {
      const s = get();
      const room = s.rooms[roomId];
      // At or below lastSeq: the message itself (or this very frame) was counted already.
      if (!room || seq <= room.lastSeq || seq <= room.lastReadSeq) return;
      const reading = s.readingRoomId === roomId;
      set({
        rooms: {
          ...s.rooms,
          [roomId]: {
            ...room,
            lastSeq: seq,
            unreadCount: reading ? 0 : room.unreadCount + 1,
            mentionCount: reading ? 0 : room.mentionCount + 1,
          },
        },
      });
    },
  };
}

/** An unread message by someone else changed: its share of the unread and mention counts follows. */
function recount(room: JoinedRoom, before: Message, after: Message, me: string | undefined, reading: boolean): JoinedRoom {
  if (reading || before.author.id === me || before.seq <= room.lastReadSeq) return room;
  const unread = (m: Message) => (isDeleted(m) ? 0 : 1);
  const mentioned = (m: Message) => (!isDeleted(m) && mentions(m, me) ? 1 : 0);
  const unreadCount = Math.max(0, room.unreadCount + unread(after) - unread(before));
  const mentionCount = Math.max(0, room.mentionCount + mentioned(after) - mentioned(before));
  return unreadCount === room.unreadCount && mentionCount === room.mentionCount ? room : { ...room, unreadCount, mentionCount };
}
