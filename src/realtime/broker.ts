/**
 * The bus between instances. One instance (no REDIS_URL) uses the local broker: committed messages
 * go straight to the hub and nothing else changes. Several instances use the Redis broker
 * (redis-broker.ts), which also relays the hub's events to the other instances.
 */
import type { Message, User } from '../protocol.js';
import type { Hub } from './hub.js';

export interface BrokerStatus {
  kind: 'local' | 'redis';
  /** false while the bus is unreachable: local connections are served, other instances are not heard. */
  healthy: boolean;
  detail?: string;
}

export interface Broker {
  readonly kind: 'local' | 'redis';
  /** Every message committed by this instance, in seq order per room (MessageWriter.onCommit). */
  committed(message: Message, origin: unknown): void;
  start(): Promise<void>;
  status(): BrokerStatus;
  close(): Promise<void>;
}

/** What the hub passes on to the other instances (set with `hub.useRelay`). */
export interface HubRelay {
  /** This instance's own presence changed (first connection here, last one gone after the grace). */
  presenceChanged(roomId: string, userId: string, online: boolean): void;
  typing(roomId: string, user: User, isTyping: boolean): void;
  memberJoined(roomId: string, user: User): void;
  memberLeft(roomId: string, user: User): void;
  readMoved(userId: string, roomId: string, seq: number): void;
  sessionEnded(sessionId: string): void;
  /** Resolves once messages of the room from every instance reach this one. */
  roomReady(roomId: string): Promise<void> | undefined;
}

/** One process: messages go straight to the local hub. */
export class LocalBroker implements Broker {
  readonly kind = 'local' as const;

  constructor(private readonly hub: Hub) {}

  committed(message: Message, origin: unknown): void {
    this.hub.deliverMessage(message, origin);
  }

  async start(): Promise<void> {}

  status(): BrokerStatus {
    return { kind: 'local', healthy: true };
  }

  async close(): Promise<void> {}
}
