/**
 * The real-time core of one process: the room registry, presence, typing and heartbeat, and the
 * broadcasts the rest of the app triggers (new message, member joined/left, read cursor, logout).
 */
import { CLOSE, type Message, type User } from '../protocol.js';
import { Connection, OutFrame } from './connection.js';
import { Presence } from './presence.js';
import { RoomRegistry } from './room-registry.js';
import { TypingTracker } from './typing.js';
import type { HubRelay } from './broker.js';

export interface HubOptions {
  heartbeatMs: number;
  presenceGraceMs: number;
}

export class Hub {
  readonly registry = new RoomRegistry();
  readonly presence: Presence;
  readonly typing: TypingTracker;
  private heartbeat: NodeJS.Timeout | null = null;
  /** Set when several instances share a bus: events are also passed on to the others. */
  private relay: HubRelay | null = null;

  constructor(private readonly opts: HubOptions) {
    this.presence = new Presence(opts.presenceGraceMs, (roomId, userId, online) =>
      this.relay
        ? this.relay.presenceChanged(roomId, userId, online)
        : this.broadcastEphemeral(roomId, { type: 'presence', roomId, userId, online }),
    );
    this.typing = new TypingTracker((roomId, user, isTyping) => {
      this.broadcastEphemeral(roomId, { type: 'typing', roomId, user, isTyping }, user.id);
      this.relay?.typing(roomId, user, isTyping);
    });
  }

  useRelay(relay: HubRelay): void {
    this.relay = relay;
  }

  /** Resolves once the room's cross-instance feed is live (nothing to wait for on one instance). */
  roomReady(roomId: string): Promise<void> | undefined {
    return this.relay?.roomReady(roomId);
  }

  start(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => this.beat(), this.opts.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Pings every socket; one that did not answer the previous ping is terminated. */
  beat(): void {
    for (const conn of this.registry.all()) {
      if (!conn.alive) {
        conn.closed = true;
        conn.socket.terminate();
        continue;
      }
      conn.alive = false;
      conn.trackPressure();
      try {
        conn.socket.ping();
      } catch {
        conn.socket.terminate();
      }
    }
  }

  /** A connection is open and authenticated; `roomIds` are the user's rooms, for presence. */
  attach(conn: Connection): void {
    this.registry.add(conn);
  }

  /** The user's rooms are known (asynchronously after attach): presence can count the connection. */
  announce(conn: Connection, roomIds: string[]): void {
    this.presence.connected(conn.user.id, roomIds);
  }

  detach(conn: Connection, announced: boolean): void {
    conn.closed = true;
    this.typing.clearConnection(conn.id);
    this.registry.remove(conn);
    if (announced) this.presence.disconnected(conn.user.id);
  }

  /**
   * A committed message, in seq order per room. The frame is serialized and framed once for all
   * subscribers (each socket's outbox holds the same bytes); the sending connection gets an `ack`
   * instead of a `message`.
   */
  deliverMessage(message: Message, origin: unknown): void {
    // The message is serialized once, for the broadcast and the sender's ack alike.
    const messageJson = JSON.stringify(message);
    const subscribers = this.registry.subscribers(message.roomId);
    if (subscribers) {
      const json = `{"type":"message","message":${messageJson}}`;
      const frame = new OutFrame(json);
      for (const conn of subscribers) {
        if (conn === origin) continue;
        const sub = conn.subs.get(message.roomId);
        if (!sub) continue;
        if (!sub.live) sub.buffer.push({ seq: message.seq, json });
        else if (message.seq > sub.lastSeq) {
          sub.lastSeq = message.seq;
          conn.sendDurable(frame);
        }
      }
    }
    if (origin instanceof Connection) {
      const sub = origin.subs.get(message.roomId);
      if (sub?.live && message.seq > sub.lastSeq) sub.lastSeq = message.seq;
      origin.sendDurable(`{"type":"ack","clientMsgId":${JSON.stringify(message.clientMsgId)},"message":${messageJson}}`);
    }
  }

  /** Typing, presence, member events: dropped for backed-up sockets; optionally not to one user. */
  broadcastEphemeral(roomId: string, frame: object, exceptUserId?: string): void {
    const subscribers = this.registry.subscribers(roomId);
    if (!subscribers) return;
    const out = new OutFrame(JSON.stringify(frame));
    for (const conn of subscribers) {
      if (conn.user.id === exceptUserId || !conn.subs.get(roomId)?.live) continue;
      conn.sendEphemeral(out);
    }
  }

  memberJoined(roomId: string, user: User, fromPeer = false): void {
    this.broadcastEphemeral(roomId, { type: 'member', roomId, action: 'joined', user });
    this.presence.joined(user.id, roomId);
    if (!fromPeer) this.relay?.memberJoined(roomId, user);
  }

  /** The user left: their sockets stop receiving the room, and the room hears about it. */
  memberLeft(roomId: string, user: User, fromPeer = false): void {
    for (const conn of this.registry.connectionsOfUser(user.id) ?? []) {
      this.typing.clearConnection(conn.id, roomId);
      this.registry.unsubscribe(conn, roomId);
    }
    this.presence.left(user.id, roomId);
    this.broadcastEphemeral(roomId, { type: 'member', roomId, action: 'left', user });
    if (!fromPeer) this.relay?.memberLeft(roomId, user);
  }

  /** The user's read cursor moved: tell their other connections. */
  readMoved(userId: string, roomId: string, seq: number, except?: Connection, fromPeer = false): void {
    const frame = new OutFrame(JSON.stringify({ type: 'read', roomId, seq }));
    for (const conn of this.registry.connectionsOfUser(userId) ?? []) {
      if (conn !== except) conn.sendEphemeral(frame);
    }
    if (!fromPeer) this.relay?.readMoved(userId, roomId, seq);
  }

  /** Logout: every socket of the session is closed with 4001. */
  endSession(sessionId: string, fromPeer = false): void {
    for (const conn of [...(this.registry.connectionsOfSession(sessionId) ?? [])]) {
      conn.close(CLOSE.SESSION_ENDED, 'session ended');
    }
    if (!fromPeer) this.relay?.sessionEnded(sessionId);
  }

  /** Closes every socket (1001 on shutdown) and stops the timers. */
  close(code: number = CLOSE.GOING_AWAY, reason = 'server going away'): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    for (const conn of [...this.registry.all()]) conn.close(code, reason);
    this.typing.close();
    this.presence.close();
  }
}
