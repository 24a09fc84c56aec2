/**
 * The real-time core of one process: the room index, presence, typing and heartbeat, and the
 * local side of every room event. The hub only APPLIES events to this instance's sockets; it never
 * decides who else hears of them. Events enter through the broker (broker.ts), which applies them
 * here and relays them to the other instances. What the hub itself originates (its presence and
 * typing state machines, the rooms its sockets watch) goes out through the port it declares,
 * `HubRelay`, which the broker implements.
 */
import { CLOSE, type Message, type Role, type Room, type ServerFrame, type User } from '../protocol.js';
import type { AckTarget } from './ack-target.js';
import type { Connection } from './connection.js';
import type { LogEvent, MentionNotice } from './log-event.js';
import { messageFrameJson, encodeFrame } from './frames.js';
import { MembershipWatches } from './membership-watch.js';
import { Presence, type PresenceView } from './presence.js';
import { PresenceBatch } from './presence-batch.js';
import { RealtimeStats } from './realtime-stats.js';
import { RecentLog } from './recent-log.js';
import { RoomRegistry } from './room-registry.js';
import { OutFrame } from './socket-writer.js';
import { TypingTracker } from './typing.js';

export interface HubOptions {
  heartbeatMs: number;
  presenceGraceMs: number;
  /** A room's settings changed or it was deleted (null), from this instance or another: caches forget it. */
  onRoomChanged?: (roomId: string, room: Room | null) => void;
}

/** What the hub needs from the bus between instances (unset on one instance). */
export interface HubRelay {
  /** The cluster-wide union of presence, answering `onlineIn`/`isOnline` for the whole cluster. */
  readonly presenceView: PresenceView;
  /** This instance's own presence changed (first connection here, last one gone after the grace). */
  presenceChanged(roomId: string, userId: string, online: boolean): void;
  /** A local connection's typing started or stopped (expiry included). */
  typingChanged(roomId: string, user: User, isTyping: boolean): void;
  /**
   * A member subscribes here: the room's messages from every instance must reach this one (a bus
   * channel is opened for it). Resolves once they do. Only ever called after the membership check.
   */
  watchRoom(roomId: string): Promise<void>;
  /** A room lost its last local subscriber. */
  roomClosed(roomId: string): void;
}

export class Hub {
  readonly registry: RoomRegistry;
  readonly presence: Presence;
  readonly typing: TypingTracker;
  /** Membership changes seen while a connecting socket's rooms are being read (socket-session.ts). */
  readonly memberships = new MembershipWatches();
  /** Deliveries, drops and 4009 closes of this process's connections (for /metrics). */
  readonly stats = new RealtimeStats();
  /** The newest events of the rooms watched here, for resuming subscribers (recent-log.ts). */
  readonly recent = new RecentLog();
  private heartbeat: NodeJS.Timeout | null = null;
  private relay: HubRelay | null = null;
  private readonly presenceOut = new PresenceBatch((roomId, userId, online) => this.broadcastEphemeral(roomId, { type: 'presence', roomId, userId, online }));

  constructor(private readonly opts: HubOptions) {
    this.registry = new RoomRegistry((roomId) => {
      this.recent.unwatched(roomId);
      this.relay?.roomClosed(roomId);
    });
    this.presence = new Presence(opts.presenceGraceMs, (roomId, userId, online) =>
      this.relay ? this.relay.presenceChanged(roomId, userId, online) : this.presenceShown(roomId, userId, online),
    );
    this.typing = new TypingTracker((roomId, user, isTyping) => {
      this.typingShown(roomId, user, isTyping);
      this.relay?.typingChanged(roomId, user, isTyping);
    });
  }

  /** Several instances: set once, before the first connection, by the composition root. */
  useRelay(relay: HubRelay): void {
    this.relay = relay;
    this.presence.useView(relay.presenceView);
  }

  /** For a member's subscribe: resolves once the room's cross-instance feed is live (undefined on one instance). */
  watchRoom(roomId: string): Promise<void> | undefined {
    return this.relay?.watchRoom(roomId);
  }

  hasSubscribers(roomId: string): boolean {
    return (this.registry.subscribers(roomId)?.size ?? 0) > 0;
  }

  start(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => this.beat(), this.opts.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Pings every socket; one that did not answer the previous ping is terminated. */
  beat(): void {
    for (const conn of this.registry.all()) conn.beat();
  }

  /** A connection is open and authenticated. */
  attach(conn: Connection): void {
    this.registry.add(conn);
  }

  /** The user's rooms are known (asynchronously after attach): presence can count the connection. */
  announce(conn: Connection, roomIds: string[]): void {
    this.presence.connected(conn.user.id, roomIds);
  }

  detach(conn: Connection, announced: boolean): void {
    conn.markClosed();
    this.typing.clearConnection(conn.id);
    this.registry.remove(conn);
    if (announced) this.presence.disconnected(conn.user.id);
  }

  /**
   * A committed log event, in seq order per room, serialized and framed once for all subscribers
   * (each socket's outbox holds the same bytes). A new message's sender gets an `ack` instead; an
   * edit, deletion or reaction goes to every subscriber, its actor's connections included.
   */
  deliverEvent(event: LogEvent, origin?: AckTarget): void {
    const { frame } = event;
    if (frame.type === 'message') return this.deliverMessage(frame.message, origin);
    const subscribers = this.registry.subscribers(event.roomId);
    if (!subscribers && !this.recent.holds(event.roomId)) return;
    const out = new OutFrame(encodeFrame(frame));
    this.recent.append(event.roomId, event.seq, out, frame.type === 'delete', subscribers !== undefined);
    for (const conn of subscribers ?? []) {
      if (conn.subs.get(event.roomId)?.accept(event.seq, out)) conn.sendDurable(out);
    }
  }

  /**
   * A mention: the mentioned users' connections here that are NOT subscribed to the room get a
   * `mention` frame (subscribed ones see the message itself). @room: every member online here.
   */
  mentioned(notice: MentionNotice): void {
    const targets = notice.room ? this.presence.localUsersIn(notice.roomId) : notice.userIds;
    let out: OutFrame | null = null;
    for (const userId of targets) {
      if (userId === notice.authorId) continue;
      for (const conn of this.registry.connectionsOfUser(userId) ?? []) {
        if (conn.subs.has(notice.roomId)) continue;
        out ??= new OutFrame(encodeFrame({ type: 'mention', roomId: notice.roomId, messageId: notice.messageId, seq: notice.seq }));
        conn.sendEphemeral(out);
      }
    }
  }

  /** A committed message (see deliverEvent). */
  private deliverMessage(message: Message, origin?: AckTarget): void {
    const messageJson = JSON.stringify(message);
    const subscribers = this.registry.subscribers(message.roomId);
    if (subscribers || this.recent.holds(message.roomId)) {
      const frame = new OutFrame(messageFrameJson(messageJson));
      this.recent.append(message.roomId, message.seq, frame, false, subscribers !== undefined);
      for (const conn of subscribers ?? []) {
        const sub = conn.subs.get(message.roomId);
        if (!sub) continue;
        if (conn === origin) sub.acked(message.seq);
        else if (sub.accept(message.seq, frame)) conn.sendDurable(frame);
      }
    }
    origin?.ack(message, messageJson);
  }

  /** The connection no longer watches the room (whatever it was typing there stops). */
  unsubscribe(conn: Connection, roomId: string): void {
    this.typing.clearConnection(conn.id, roomId);
    this.registry.unsubscribe(conn, roomId);
  }

  /** Typing, presence, member events: dropped for backed-up sockets; optionally not to one user. */
  broadcastEphemeral(roomId: string, frame: ServerFrame, exceptUserId?: string): void {
    const subscribers = this.registry.subscribers(roomId);
    if (!subscribers) return;
    const out = new OutFrame(encodeFrame(frame));
    for (const conn of subscribers) {
      if (conn.user.id === exceptUserId || !conn.subs.get(roomId)?.isLive) continue;
      conn.sendEphemeral(out);
    }
  }

  /** Presence as the room should see it (cluster-wide when several instances share a bus). */
  presenceShown(roomId: string, userId: string, online: boolean): void {
    this.presenceOut.add(roomId, userId, online); // sent in windows (presence-batch.ts)
  }

  /** Someone is typing: everyone in the room hears it but the typist. */
  typingShown(roomId: string, user: User, isTyping: boolean): void {
    this.broadcastEphemeral(roomId, { type: 'typing', roomId, user, isTyping }, user.id);
  }

  memberJoined(roomId: string, user: User): void {
    this.broadcastEphemeral(roomId, { type: 'member', roomId, action: 'joined', user });
    this.memberships.changed(user.id, roomId, true);
    this.presence.joined(user.id, roomId);
  }

  /** The user left: their sockets stop receiving the room, and the room hears about it. */
  memberLeft(roomId: string, user: User): void {
    for (const conn of this.registry.connectionsOfUser(user.id) ?? []) this.unsubscribe(conn, roomId);
    this.memberships.changed(user.id, roomId, false);
    this.presence.left(user.id, roomId);
    this.broadcastEphemeral(roomId, { type: 'member', roomId, action: 'left', user });
  }

  /**
   * A moderator removed the user (kick or ban): the room and the user's own connections (even
   * those not subscribed, for their room list) get `member {kicked}`, then every connection of the
   * user here stops receiving the room, before anything else is delivered.
   */
  memberKicked(roomId: string, user: User): void {
    const out = new OutFrame(encodeFrame({ type: 'member', roomId, action: 'kicked', user }));
    const own = this.registry.connectionsOfUser(user.id) ?? new Set<Connection>();
    for (const conn of own) {
      this.unsubscribe(conn, roomId);
      conn.sendEphemeral(out);
    }
    this.memberships.changed(user.id, roomId, false);
    this.presence.left(user.id, roomId);
    for (const conn of this.registry.subscribers(roomId) ?? []) {
      if (conn.subs.get(roomId)?.isLive) conn.sendEphemeral(out);
    }
  }

  /**
   * The owner changed the user's role (committed): `member {role}` to the room's live subscribers
   * and to every connection of the user here, subscribed or not (their room list shows the role).
   */
  memberRole(roomId: string, user: User, role: Role): void {
    const out = new OutFrame(encodeFrame({ type: 'member', roomId, action: 'role', user, role }));
    const sent = new Set<Connection>(this.registry.connectionsOfUser(user.id) ?? []);
    for (const conn of this.registry.subscribers(roomId) ?? []) {
      if (conn.subs.get(roomId)?.isLive) sent.add(conn);
    }
    for (const conn of sent) conn.sendEphemeral(out);
  }

  /** New settings: to the room's subscribers and the connections of its members online here. */
  roomUpdated(room: Room): void {
    this.opts.onRoomChanged?.(room.id, room);
    this.toRoomAudience(room.id, new OutFrame(encodeFrame({ type: 'room', room })));
  }

  /** The room is gone: everyone watching it or holding it in their list is told, then unsubscribed. */
  roomDeleted(roomId: string): void {
    this.opts.onRoomChanged?.(roomId, null);
    this.memberships.roomGone(roomId);
    this.recent.drop(roomId);
    const members = [...this.presence.localUsersIn(roomId)];
    this.toRoomAudience(roomId, new OutFrame(encodeFrame({ type: 'room_deleted', roomId })));
    for (const conn of [...(this.registry.subscribers(roomId) ?? [])]) this.unsubscribe(conn, roomId);
    for (const userId of members) this.presence.left(userId, roomId);
  }

  /** One frame to every subscriber of the room and every connection of a member online here, once each. */
  private toRoomAudience(roomId: string, out: OutFrame): void {
    const sent = new Set<Connection>();
    for (const conn of this.registry.subscribers(roomId) ?? []) sent.add(conn);
    for (const userId of this.presence.localUsersIn(roomId)) {
      for (const conn of this.registry.connectionsOfUser(userId) ?? []) sent.add(conn);
    }
    for (const conn of sent) conn.sendEphemeral(out);
  }

  /** The user's read cursor moved: tell their other connections. */
  readMoved(userId: string, roomId: string, seq: number, except?: Connection): void {
    const frame = new OutFrame(encodeFrame({ type: 'read', roomId, seq }));
    for (const conn of this.registry.connectionsOfUser(userId) ?? []) {
      if (conn !== except) conn.sendEphemeral(frame);
    }
  }

  /** Logout: every socket of the session is closed with 4001. */
  endSession(sessionId: string): void {
    for (const conn of [...(this.registry.connectionsOfSession(sessionId) ?? [])]) {
      conn.close(CLOSE.SESSION_ENDED, 'session ended');
    }
  }

  /** A profile changed: the user's sockets here carry it from now on (authors of new messages). */
  userUpdated(user: User): void {
    this.recent.forgetAll(); // kept frames carry the old profile
    for (const conn of this.registry.connectionsOfUser(user.id) ?? []) conn.user = user;
  }

  /** Closes every socket (1001 on shutdown) and stops the timers. Idempotent. */
  close(code: number = CLOSE.GOING_AWAY, reason = 'server going away'): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    for (const conn of [...this.registry.all()]) conn.close(code, reason);
    this.typing.close();
    this.presence.close();
    this.presenceOut.close();
    this.recent.close();
  }
}
