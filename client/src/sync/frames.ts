import { describeSendError } from '../lib/send-errors';
import type { Message, ServerFrame } from '../lib/wire';
import type { AppStore } from '../store';
import type { History } from './history';
import type { OutboxSender } from './outbox-sender';
import type { ReadCursor } from './read-cursor';

/**
 * Where a server frame becomes store state: one handler per server frame type. The table is
 * typed by the contract's union, so a new frame type in src/protocol.ts does not compile until
 * it has a handler here (and a guard in parse-frame.ts).
 */

/** Protocol versions of the `ready` frame that this app speaks. */
export const SUPPORTED_PROTOCOLS: readonly number[] = [1, 2];

export interface FrameContext {
  readonly store: AppStore;
  readonly userId: string;
  readonly outbox: Pick<OutboxSender, 'acked' | 'refused' | 'flush'>;
  readonly history: Pick<History, 'loadLatest' | 'refreshRooms'>;
  readonly reads: Pick<ReadCursor, 'confirmed'>;
  /** `ready` with a protocol we speak: back on the socket, resubscribe every room. */
  connected(): void;
  /** `ready` with a protocol we do not know: stop and ask for a reload. */
  outdated(version: number): void;
}

type FrameOf<K extends ServerFrame['type']> = Extract<ServerFrame, { type: K }>;
export type FrameHandlers = { [K in ServerFrame['type']]: (frame: FrameOf<K>) => void };

/** Announces a new message in the open room to screen readers (not one's own). */
export function announceIncoming(store: AppStore, userId: string, m: Message): void {
  const s = store.getState();
  if (m.author.id !== userId && s.activeRoomId === m.roomId) s.announce(`${m.author.username}: ${m.body.slice(0, 200)}`);
}

export function createFrameHandlers(ctx: FrameContext): FrameHandlers {
  const { store, userId } = ctx;
  const get = () => store.getState();
  /** A room leaves the list; with `why`, it is shown and announced. */
  const gone = (roomId: string, why: string) => {
    const s = get();
    s.removeRoom(roomId);
    if (why) {
      s.toast(why, 'error');
      s.announce(why);
    }
  };
  return {
    ready: (frame) => {
      const version: number = frame.protocol;
      if (SUPPORTED_PROTOCOLS.includes(version)) ctx.connected();
      else ctx.outdated(version);
    },
    subscribed: (frame) => {
      get().setOnline(frame.roomId, frame.online);
      if (!frame.recovered) {
        if (get().timelines[frame.roomId]?.loaded) void ctx.history.loadLatest(frame.roomId);
        else void ctx.history.refreshRooms();
      }
      ctx.outbox.flush(frame.roomId);
    },
    ack: (frame) => {
      ctx.outbox.acked(frame.clientMsgId);
      get().receiveMessages(frame.message.roomId, [frame.message]);
    },
    message: ({ message }) => {
      get().receiveMessages(message.roomId, [message]);
      announceIncoming(store, userId, message);
    },
    typing: (frame) => {
      if (frame.user.id !== userId) get().setTyping(frame.roomId, frame.user, frame.isTyping);
    },
    presence: (frame) => get().setPresence(frame.roomId, frame.userId, frame.online),
    member: (frame) => {
      const s = get();
      const room = s.rooms[frame.roomId];
      if (frame.action === 'role') {
        // A role the owner changed: the badge, and ours (moderator controls follow at once).
        if (!frame.role) return;
        s.memberRoleChanged(frame.roomId, frame.user.id, frame.role);
        if (frame.user.id === userId && room && room.role !== frame.role) {
          const text = `You are now ${frame.role === 'member' ? 'a member' : frame.role === 'owner' ? 'the owner' : 'a moderator'} of ${room.name}`;
          s.toast(text);
          s.announce(text);
        }
        return;
      }
      if (frame.user.id === userId) {
        // Our own other tab joined or left, or a moderator removed us.
        if (frame.action === 'joined') {
          if (!room) void ctx.history.refreshRooms();
        } else if (room) gone(frame.roomId, frame.action === 'kicked' ? `You were removed from ${room.name}` : '');
        return;
      }
      if (frame.action === 'joined') s.memberJoined(frame.roomId, frame.user);
      else s.memberLeft(frame.roomId, frame.user.id);
      if (room) s.toast(`${frame.user.username} ${frame.action === 'kicked' ? 'was removed from' : frame.action} ${room.name}`);
    },
    // Settings (name, description, slow mode, image, owner): our own role follows the owner.
    room: ({ room }) => {
      const s = get();
      const mine = s.rooms[room.id];
      if (!mine) return;
      const role = room.ownerId === userId ? 'owner' : mine.role === 'owner' ? 'moderator' : mine.role;
      s.updateRoom({ ...room, role } as typeof mine);
    },
    room_deleted: ({ roomId }) => {
      const room = get().rooms[roomId];
      if (room) gone(roomId, `${room.name} was deleted`);
    },
    read: (frame) => ctx.reads.confirmed(frame.roomId, frame.seq),
    // The room log's other events: one store action each, deduplicated there by seq.
    edit: ({ roomId, seq, messageId, body, mentions, mentionsRoom, editedAt }) =>
      get().applyEdit(roomId, { seq, messageId, body, mentions, mentionsRoom, editedAt }),
    delete: ({ roomId, seq, messageId, deletedAt }) => get().applyDelete(roomId, { seq, messageId, deletedAt }),
    reaction: ({ roomId, seq, messageId, emoji, userId: who, added }) =>
      get().applyReaction(roomId, { seq, messageId, emoji, userId: who, added }),
    mention: ({ roomId, seq }) => get().receiveMention(roomId, seq),
    // The socket answers pings itself; a pong only proves the link lives.
    pong: () => {},
    error: (frame) => {
      if (ctx.outbox.refused(frame.code, frame.message, frame.ref, frame.retryAfterMs)) return;
      const s = get();
      const { ref, code } = frame;
      if (ref && s.rooms[ref] && (code === 'NOT_A_MEMBER' || code === 'ROOM_NOT_FOUND')) {
        s.removeRoom(ref);
        s.toast('You are no longer a member of that room.', 'error');
      } else if (code === 'RATE_LIMITED') {
        s.toast(describeSendError(code, frame.message, frame.retryAfterMs), 'error');
      } else {
        s.toast(frame.message || 'Something went wrong.', 'error');
      }
    },
  };
}

/** Calls the handler of the frame's type. */
export function dispatchFrame(handlers: FrameHandlers, frame: ServerFrame): void {
  // The table is keyed by the same union, so the handler of frame.type takes exactly this frame.
  (handlers[frame.type] as (f: ServerFrame) => void)(frame);
}
