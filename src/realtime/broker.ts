/**
 * The one entry for room events. Routes and the message writer publish here; the broker applies
 * each event to the local hub and relays it to the other instances. One instance (no REDIS_URL)
 * uses the LocalBroker: events go straight to the hub. Several instances use the RedisBroker
 * (cluster/redis-broker.ts), which also delivers what the other instances publish.
 */
import type { Role, Room, User } from '../protocol.js';
import type { AckTarget } from './ack-target.js';
import type { LogEvent, MentionNotice } from './log-event.js';
import type { Connection } from './connection.js';
import type { Hub } from './hub.js';
import type { SessionEvictions } from '../services/session-cache.js';

export interface BrokerStatus {
  kind: 'local' | 'redis';
  /** false while the bus is unreachable: local connections are served, other instances are not heard. */
  healthy: boolean;
  detail?: string;
}

/** Room events, as the rest of the app publishes them. */
export interface RoomEvents {
  /** Every log event committed by this instance, in seq order per room (MessageWriter.onCommit). */
  committed(event: LogEvent, origin?: AckTarget): void;
  /** A committed message or edit mentions people: their connections outside the room are told. */
  mentioned(notice: MentionNotice): void;
  memberJoined(roomId: string, user: User): void;
  memberLeft(roomId: string, user: User): void;
  /** Kicked or banned (committed): unsubscribed on every connection of every instance, the room told. */
  memberKicked(roomId: string, user: User): void;
  /** The owner changed the user's role (committed): `member {role}` to the room and the user everywhere. */
  roleChanged(roomId: string, user: User, role: Role): void;
  /** The room's settings changed (committed): `room` frames everywhere. */
  roomUpdated(room: Room): void;
  /** The owner deleted the room (committed): `room_deleted` everywhere, subscriptions end. */
  roomDeleted(roomId: string): void;
  /** The user's read cursor moved; `except` is the connection that moved it (it knows). */
  readMoved(userId: string, roomId: string, seq: number, except?: Connection): void;
  /**
   * Sessions ended (logout, revoked, password changed, user deleted): their cache entries are
   * evicted and their sockets closed with 4001 on every instance. Resolves once every instance has
   * been told (the publish answered), so a request that ends a session answers after that.
   */
  sessionsEnded(sessionIds: readonly string[]): Promise<void>;
  /** One session: `sessionsEnded([sessionId])`. */
  sessionEnded(sessionId: string): Promise<void>;
  /**
   * The user's profile changed: cached sessions of theirs are evicted and their open sockets carry
   * the new profile (new messages show it) on every instance. Resolves as sessionsEnded does.
   */
  userUpdated(user: User): Promise<void>;
}

export interface Broker extends RoomEvents {
  readonly kind: 'local' | 'redis';
  start(): Promise<void>;
  status(): BrokerStatus;
  close(): Promise<void>;
}

/** One process: every event goes straight to the local hub. */
export class LocalBroker implements Broker {
  readonly kind = 'local' as const;

  constructor(
    private readonly hub: Hub,
    private readonly evictions?: SessionEvictions,
  ) {}

  committed(event: LogEvent, origin?: AckTarget): void {
    this.hub.deliverEvent(event, origin);
  }

  mentioned(notice: MentionNotice): void {
    this.hub.mentioned(notice);
  }

  memberJoined(roomId: string, user: User): void {
    this.hub.memberJoined(roomId, user);
  }

  memberLeft(roomId: string, user: User): void {
    this.hub.memberLeft(roomId, user);
  }

  memberKicked(roomId: string, user: User): void {
    this.hub.memberKicked(roomId, user);
  }

  roleChanged(roomId: string, user: User, role: Role): void {
    this.hub.memberRole(roomId, user, role);
  }

  roomUpdated(room: Room): void {
    this.hub.roomUpdated(room);
  }

  roomDeleted(roomId: string): void {
    this.hub.roomDeleted(roomId);
  }

  readMoved(userId: string, roomId: string, seq: number, except?: Connection): void {
    this.hub.readMoved(userId, roomId, seq, except);
  }

  async sessionsEnded(sessionIds: readonly string[]): Promise<void> {
    this.evictions?.evictSessions(sessionIds);
    for (const id of sessionIds) this.hub.endSession(id);
  }

  sessionEnded(sessionId: string): Promise<void> {
    return this.sessionsEnded([sessionId]);
  }

  async userUpdated(user: User): Promise<void> {
    this.evictions?.evictUser(user.id);
    this.hub.userUpdated(user);
  }

  async start(): Promise<void> {}

  status(): BrokerStatus {
    return { kind: 'local', healthy: true };
  }

  async close(): Promise<void> {}
}
