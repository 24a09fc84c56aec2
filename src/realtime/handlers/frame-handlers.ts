/**
 * One handler per client frame type: the map is typed `{ [K in ClientFrameType]: Handler<K> }`,
 * so a new frame type in src/protocol.ts does not compile until it has its handler here.
 * A handler may throw or reject: the session answers with an `error` frame whose `ref` is the
 * frame's clientMsgId or roomId (AppError -> its code; anything else -> INTERNAL, logged).
 */
import { errors } from '../../lib/errors.js';
import { normalizeEmoji } from '../../lib/emoji.js';
import { cleanMessageBody } from '../../lib/text.js';
import type { ClientFrame, ClientFrameType } from '../../protocol.js';
import type { RoomsRepository } from '../../repositories/rooms-repository.js';
import type { LogOp } from '../../services/log-ops.js';
import type { MessageWriter } from '../../services/message-writer.js';
import { accessError } from '../../services/room-access.js';
import type { RoomEvents } from '../broker.js';
import type { Connection } from '../connection.js';
import type { Hub } from '../hub.js';
import { subscribe, type SubscribeDeps } from '../subscription.js';

export interface HandlerDeps {
  hub: Hub;
  /** Where room events are published (the broker). */
  events: RoomEvents;
  writer: Pick<MessageWriter, 'send' | 'apply'>;
  rooms: Pick<RoomsRepository, 'access' | 'markRead'>;
  /** Replay pages for subscribers resuming (realtime/connect-reads.ts: a room's waiting replays share a read). */
  eventsAfter: SubscribeDeps<Connection>['eventsAfter'];
  messageMaxChars: number;
  recoveryMaxMessages: number;
}

export type FrameOf<K extends ClientFrameType> = Extract<ClientFrame, { type: K }>;
export type Handler<K extends ClientFrameType> = (conn: Connection, frame: FrameOf<K>) => void | Promise<void>;
export type FrameHandlers = { [K in ClientFrameType]: Handler<K> };

/** Frames of one connection that take effect in the order they were sent (the others run at once). */
export const ORDERED_FRAMES: ReadonlySet<ClientFrameType> = new Set(['subscribe', 'unsubscribe']);

export function createFrameHandlers(deps: HandlerDeps): FrameHandlers {
  const { hub, events, writer, rooms } = deps;
  const subscribeDeps: SubscribeDeps<Connection> = {
    register: (conn, roomId, sub) => hub.registry.subscribe(conn, roomId, sub),
    unregister: (conn, roomId) => hub.registry.unsubscribe(conn, roomId),
    watchRoom: (roomId) => hub.watchRoom(roomId),
    access: (roomId, userId) => rooms.access(roomId, userId),
    eventsAfter: deps.eventsAfter,
    onlineIn: (roomId) => hub.presence.onlineIn(roomId),
    recentAfter: (roomId, after, upTo) => hub.recent.after(roomId, after, upTo),
    recoveryMaxMessages: deps.recoveryMaxMessages,
  };

  /** The refusal for a room the connection may not use, or null. */
  const refusal = async (conn: Connection, roomId: string) => accessError(await rooms.access(roomId, conn.user.id));

  /**
   * An edit, deletion or reaction: its event reaches the room's subscribers, this connection
   * among them; a connection not subscribed to the room gets it directly. A repeat sends nothing.
   */
  const applyOp = async (conn: Connection, op: LogOp) => {
    const event = await writer.apply(op);
    if (event && !conn.subs.has(op.roomId)) conn.send(event);
  };

  return {
    ping: (conn) => conn.send({ type: 'pong' }),

    subscribe: (conn, frame) => subscribe(subscribeDeps, conn, frame.roomId, frame.sinceSeq),

    unsubscribe: (conn, frame) => hub.unsubscribe(conn, frame.roomId),

    // New messages are acked by the hub in seq order; a reused clientMsgId by the writer, with its original.
    send: async (conn, frame) => {
      const attachmentIds = frame.attachmentIds ?? [];
      const body = cleanMessageBody(frame.body, deps.messageMaxChars, attachmentIds.length > 0);
      const reply = frame.replyToId !== undefined ? { replyToId: frame.replyToId } : {};
      const files = attachmentIds.length ? { attachmentIds } : {};
      await writer.send({ roomId: frame.roomId, author: conn.user, clientMsgId: frame.clientMsgId, body, ...reply, ...files }, conn);
    },

    typing: async (conn, frame) => {
      if (!conn.subs.get(frame.roomId)?.isLive) {
        const denied = await refusal(conn, frame.roomId);
        if (denied) throw denied;
      }
      hub.typing.update(frame.roomId, conn.user, frame.isTyping, conn.id);
    },

    read: async (conn, frame) => {
      const seq = await rooms.markRead(frame.roomId, conn.user.id, frame.seq);
      if (seq === null) throw (await refusal(conn, frame.roomId)) ?? errors.notAMember();
      events.readMoved(conn.user.id, frame.roomId, seq, conn);
    },

    edit: (conn, frame) => {
      const body = cleanMessageBody(frame.body, deps.messageMaxChars);
      return applyOp(conn, { kind: 'edit', roomId: frame.roomId, actor: conn.user, messageId: frame.messageId, body });
    },

    delete: (conn, frame) => applyOp(conn, { kind: 'delete', roomId: frame.roomId, actor: conn.user, messageId: frame.messageId }),

    react: (conn, frame) => {
      const emoji = normalizeEmoji(frame.emoji);
      if (!emoji) throw errors.validation('emoji must be exactly one emoji');
      return applyOp(conn, { kind: 'react', roomId: frame.roomId, actor: conn.user, messageId: frame.messageId, emoji, add: frame.add });
    },
  };
}
