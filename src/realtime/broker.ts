/**
 * The one entry for room events. Routes and the message writer publish here; the broker applies
 * each event to the local hub and relays it to the other instances. One instance (no REDIS_URL)
 * uses the LocalBroker: events go straight to the hub. Several instances use the RedisBroker
 * (cluster/redis-broker.ts), which also delivers what the other instances publish.
 */
import type { User } from '../protocol.js';
import type { AckTarget } from './ack-target.js';
import type { LogEvent, MentionNotice } from './log-event.js';
import type { Connection } from './connection.js';
import type { Hub } from './hub.js';

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
  /** The user's read cursor moved; `except` is the connection that moved it (it knows). */
  readMoved(userId: string, roomId: string, seq: number, except?: Connection): void;
  /** Logout: the session's sockets are closed with 4001 everywhere. */
  sessionEnded(sessionId: string): void;
  /** The account changed (a guest upgraded): its sockets everywhere act as, and send, the new User. */
  userUpdated(user: User): void;
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

  constructor(private readonly hub: Hub) {}

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

  readMoved(userId: string, roomId: string, seq: number, except?: Connection): void {
    this.hub.readMoved(userId, roomId, seq, except);
  }

  sessionEnded(sessionId: string): void {
    this.hub.endSession(sessionId);
  }

  userUpdated(user: User): void {
    this.hub.userUpdated(user);
  }

  async start(): Promise<void> {}

  status(): BrokerStatus {
    return { kind: 'local', healthy: true };
  }

  async close(): Promise<void> {}
}
