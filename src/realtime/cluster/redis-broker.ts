/**
 * Several instances on one Postgres, with Redis pub/sub as the bus. Postgres stays the source of
 * truth; the bus only says "something happened", and nothing relies on it alone.
 *
 * This file only composes: the bus (redis-bus.ts), the room feeds (room-feeds.ts: messages), peer
 * presence (peer-presence.ts), and the relay of the other room events (typing, members, read
 * cursors, logouts). Every room event published here is applied to the local hub AND published;
 * what comes from the bus is only applied. Outage recovery, in order: the subscriber is back ->
 * sessions that ended meanwhile are closed, peers' presence is read again, every watched room is
 * caught up from Postgres by seq; the commands connection is back -> our presence is rewritten and
 * the newest unsent message of each room is published again.
 */
import { TYPING_TTL_MS, type User } from '../../protocol.js';
import type { AckTarget } from '../ack-target.js';
import type { LogEvent, MentionNotice } from '../log-event.js';
import type { Broker, BrokerStatus } from '../broker.js';
import type { Connection } from '../connection.js';
import type { Hub, HubRelay } from '../hub.js';
import type { PresenceView } from '../presence.js';
import { TypingTracker } from '../typing.js';
import type { BusEvent, BusEventOf, BusEventType } from './bus-events.js';
import { ClusterConnectionCounts } from './connection-counts.js';
import { PeerPresence } from './peer-presence.js';
import { RedisBus, type BusLog } from './redis-bus.js';
import { RoomFeeds, type FeedStore } from './room-feeds.js';

/** Sessions re-checked at a time after an outage. */
const SESSION_CHECK_BATCH = 20;

export interface RedisBrokerOptions {
  hub: Hub;
  url: string;
  prefix: string;
  /** The room log, for gap fills. */
  roomLog: FeedStore;
  log: BusLog;
  /** Presence grace: a peer that said goodbye has its users kept online this long (they reconnect elsewhere). */
  presenceGraceMs: number;
  /** Whether a session still exists (logouts missed during an outage are caught up with it). */
  sessionAlive?: (sessionId: string) => Promise<boolean>;
  instanceId?: string;
}

type BusHandlers = { [K in BusEventType]: (event: BusEventOf<K>) => void };

export class RedisBroker implements Broker, HubRelay {
  readonly kind = 'redis' as const;
  readonly bus: RedisBus;
  /** The WebSocket connection counts of every instance, for the connection caps. */
  readonly connectionCounts: ClusterConnectionCounts;
  private readonly hub: Hub;
  private readonly feeds: RoomFeeds;
  private readonly peers: PeerPresence;
  /** Typing from other instances stops here by itself if their "stopped" never arrives. */
  private readonly remoteTyping: TypingTracker;
  private readonly handlers: BusHandlers;

  constructor(private readonly opts: RedisBrokerOptions) {
    const hub = (this.hub = opts.hub);
    const bus = (this.bus = new RedisBus({ url: opts.url, prefix: opts.prefix, log: opts.log, instanceId: opts.instanceId }));
    this.feeds = new RoomFeeds(bus, opts.roomLog, hub);
    this.peers = new PeerPresence(bus, { graceMs: opts.presenceGraceMs, shown: (r, u, online) => hub.presenceShown(r, u, online) });
    this.connectionCounts = new ClusterConnectionCounts(bus);
    this.remoteTyping = new TypingTracker((roomId, user, isTyping) => hub.typingShown(roomId, user, isTyping), TYPING_TTL_MS + 1000);
    this.handlers = {
      event: (e) => this.feeds.received(e.event),
      mention: ({ type: _type, instance: _instance, ...notice }) => hub.mentioned(notice),
      typing: (e) => this.remoteTyping.update(e.roomId, e.user, e.isTyping, -1),
      presence: (e) => this.peers.applyChanges(e),
      snapshot: (e) => this.peers.applySnapshot(e),
      goodbye: (e) => this.peers.applyGoodbye(e),
      ping: () => undefined,
      member: (e) => (e.action === 'joined' ? hub.memberJoined(e.roomId, e.user) : hub.memberLeft(e.roomId, e.user)),
      read: (e) => hub.readMoved(e.userId, e.roomId, e.seq),
      'session-ended': (e) => hub.endSession(e.sessionId),
      'user-updated': (e) => hub.userUpdated(e.user),
    };

    bus.onEvent((event) => this.apply(event));
    bus.onSubscriberReady(async (recovering) => {
      if (!(await this.feeds.resubscribe())) return; // an outage again: the next ready retries
      if (recovering) void this.recheckSessions();
      await this.peers.loadPeers();
      const filled = await this.feeds.resync();
      bus.recovered({ rooms: this.feeds.size, filledFromPostgres: filled });
    });
    bus.onCommandsReady(async () => {
      await this.peers.beat();
      // Others may have dropped us meanwhile: publish our presence afresh.
      await this.peers.rewrite();
      await this.connectionCounts.rewrite();
      this.feeds.publishUnsent();
      bus.recovered();
    });
    bus.onBeat(async () => {
      await this.peers.beat();
      await this.connectionCounts.beat();
      this.feeds.publishUnsent();
      bus.recovered();
      await this.feeds.retrySubscriptions();
    });
  }

  get instanceId(): string {
    return this.bus.instanceId;
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  start(): Promise<void> {
    return this.bus.start();
  }

  status(): BrokerStatus {
    return { kind: 'redis', ...this.bus.status() };
  }

  async close(): Promise<void> {
    if (this.bus.isClosing) return;
    this.feeds.close();
    this.remoteTyping.close();
    await this.bus.close(async () => {
      await this.connectionCounts.remove();
      await this.peers.goodbye();
    });
  }

  // ---- room events (Broker) --------------------------------------------------------------------

  committed(event: LogEvent, origin?: AckTarget): void {
    this.feeds.committed(event, origin);
  }

  mentioned(notice: MentionNotice): void {
    this.hub.mentioned(notice);
    this.publishAll({ type: 'mention', instance: this.instanceId, ...notice });
  }

  memberJoined(roomId: string, user: User): void {
    this.hub.memberJoined(roomId, user);
    this.publishAll({ type: 'member', instance: this.instanceId, roomId, action: 'joined', user });
  }

  memberLeft(roomId: string, user: User): void {
    this.hub.memberLeft(roomId, user);
    this.publishAll({ type: 'member', instance: this.instanceId, roomId, action: 'left', user });
  }

  readMoved(userId: string, roomId: string, seq: number, except?: Connection): void {
    this.hub.readMoved(userId, roomId, seq, except);
    this.publishAll({ type: 'read', instance: this.instanceId, userId, roomId, seq });
  }

  sessionEnded(sessionId: string): void {
    this.hub.endSession(sessionId);
    this.publishAll({ type: 'session-ended', instance: this.instanceId, sessionId });
  }

  userUpdated(user: User): void {
    this.hub.userUpdated(user);
    this.publishAll({ type: 'user-updated', instance: this.instanceId, user });
  }

  // ---- what the hub originates (HubRelay) -------------------------------------------------------

  get presenceView(): PresenceView {
    return this.peers.presenceView;
  }

  presenceChanged(roomId: string, userId: string, online: boolean): void {
    this.peers.changed(roomId, userId, online);
  }

  typingChanged(roomId: string, user: User, isTyping: boolean): void {
    void this.bus.publish(this.bus.roomChannel(roomId), { type: 'typing', instance: this.instanceId, roomId, user, isTyping });
  }

  watchRoom(roomId: string): Promise<void> {
    return this.feeds.watch(roomId);
  }

  roomClosed(roomId: string): void {
    this.feeds.closedLocally(roomId);
  }

  // ---- internals -------------------------------------------------------------------------------

  private publishAll(event: BusEvent): void {
    void this.bus.publish(this.bus.allChannel, event);
  }

  private apply(event: BusEvent): void {
    (this.handlers[event.type] as (e: BusEvent) => void)(event);
  }

  /** Logouts published while we were not listening: sockets of sessions that no longer exist are closed. */
  private async recheckSessions(): Promise<void> {
    const alive = this.opts.sessionAlive;
    if (!alive) return;
    const ids = this.hub.registry.sessionIds();
    let ended = 0;
    for (let k = 0; k < ids.length; k += SESSION_CHECK_BATCH) {
      await Promise.all(
        ids.slice(k, k + SESSION_CHECK_BATCH).map(async (sid) => {
          try {
            if (await alive(sid)) return;
            ended++;
            this.hub.endSession(sid);
          } catch {
            // the database is down too: the session stays until its socket reconnects
          }
        }),
      );
    }
    if (ended) this.opts.log.info({ instanceId: this.instanceId, sessions: ended }, 'closed the sockets of sessions that ended while Redis was unreachable');
  }
}
