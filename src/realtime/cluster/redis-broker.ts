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
import { TYPING_TTL_MS, type Role, type Room, type User } from '../../protocol.js';
import type { AckTarget } from '../ack-target.js';
import type { LogEvent, MentionNotice } from '../log-event.js';
import type { Broker, BrokerStatus } from '../broker.js';
import type { SessionEvictions } from '../../services/session-cache.js';
import type { Connection } from '../connection.js';
import type { Hub, HubRelay } from '../hub.js';
import type { PresenceView } from '../presence.js';
import { TypingTracker } from '../typing.js';
import { SESSIONS_PER_EVENT, type BusEvent, type BusEventOf, type BusEventType } from './bus-events.js';
import { ClusterConnectionCounts } from './connection-counts.js';
import { PeerPresence } from './peer-presence.js';
import { RedisBus, type BusLog } from './redis-bus.js';
import { RoomFeeds, type FeedStore, type OrderingWaits } from './room-feeds.js';
import { Evictions } from './evictions.js';
import { revalidateSubscriptions, type AccessOfUsers } from './revalidate.js';

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
  /** Who may still see a room (kicks, bans, leaves and deletions missed during an outage are caught up with it). */
  accessOfUsers?: AccessOfUsers;
  /** The session cache: evicted by what every instance publishes, dropped whole after an outage. */
  evictions?: SessionEvictions;
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
  private readonly evictions: Evictions;

  constructor(private readonly opts: RedisBrokerOptions) {
    const hub = (this.hub = opts.hub);
    const bus = (this.bus = new RedisBus({ url: opts.url, prefix: opts.prefix, log: opts.log, instanceId: opts.instanceId }));
    this.feeds = new RoomFeeds(bus, opts.roomLog, hub);
    this.evictions = new Evictions(bus);
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
      kicked: (e) => hub.memberKicked(e.roomId, e.user),
      role: (e) => hub.memberRole(e.roomId, e.user, e.role),
      room: (e) => hub.roomUpdated(e.room),
      'room-deleted': (e) => hub.roomDeleted(e.roomId),
      'session-ended': (e) => {
        opts.evictions?.evictSessions(e.sessionIds);
        for (const id of e.sessionIds) hub.endSession(id);
        this.evictions.acknowledge(e.ack);
      },
      'user-updated': (e) => {
        opts.evictions?.evictUser(e.user.id);
        hub.userUpdated(e.user);
        this.evictions.acknowledge(e.ack);
      },
      evicted: (e) => this.evictions.answered(e.ack),
    };

    bus.onEvent((event) => this.apply(event));
    bus.onSubscriberReady(async (recovering) => {
      // Evictions published while we were not listening are lost: the session cache starts afresh
      // (it is bypassed anyway until the bus is healthy again).
      if (recovering) opts.evictions?.clear();
      if (!(await this.feeds.resubscribe())) return; // an outage again: the next ready retries
      if (recovering) void this.recheckSessions();
      if (recovering) void this.revalidate();
      await this.peers.loadPeers();
      const filled = await this.feeds.resync();
      bus.recovered({ rooms: this.feeds.size, filledFromPostgres: filled });
    });
    bus.onCommandsReady(async () => {
      await this.peers.beat();
      // Others may have dropped us meanwhile: publish our presence afresh.
      await this.peers.rewrite();
      await this.connectionCounts.rewrite();
      this.evictions.republish();
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

  /** Events that waited for earlier seqs before delivery here, and their summed wait (room-feeds.ts). */
  get ordering(): Readonly<OrderingWaits> {
    return this.feeds.ordering;
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

  memberKicked(roomId: string, user: User): void {
    this.hub.memberKicked(roomId, user);
    this.publishAll({ type: 'kicked', instance: this.instanceId, roomId, user });
  }

  roleChanged(roomId: string, user: User, role: Role): void {
    this.hub.memberRole(roomId, user, role);
    this.publishAll({ type: 'role', instance: this.instanceId, roomId, user, role });
  }

  roomUpdated(room: Room): void {
    this.hub.roomUpdated(room);
    this.publishAll({ type: 'room', instance: this.instanceId, room });
  }

  roomDeleted(roomId: string): void {
    this.hub.roomDeleted(roomId);
    this.publishAll({ type: 'room-deleted', instance: this.instanceId, roomId });
  }

  readMoved(userId: string, roomId: string, seq: number, except?: Connection): void {
    this.hub.readMoved(userId, roomId, seq, except);
    this.publishAll({ type: 'read', instance: this.instanceId, userId, roomId, seq });
  }

  async sessionsEnded(sessionIds: readonly string[]): Promise<void> {
    if (!sessionIds.length) return;
    this.opts.evictions?.evictSessions(sessionIds);
    for (const id of sessionIds) this.hub.endSession(id);
    const publishes: Promise<void>[] = [];
    for (let k = 0; k < sessionIds.length; k += SESSIONS_PER_EVENT) {
      const chunk = sessionIds.slice(k, k + SESSIONS_PER_EVENT);
      publishes.push(this.evictions.publish({ type: 'session-ended', instance: this.instanceId, sessionIds: chunk }));
    }
    await Promise.all(publishes);
  }

  sessionEnded(sessionId: string): Promise<void> {
    return this.sessionsEnded([sessionId]);
  }

  async userUpdated(user: User): Promise<void> {
    this.opts.evictions?.evictUser(user.id);
    this.hub.userUpdated(user);
    await this.evictions.publish({ type: 'user-updated', instance: this.instanceId, user });
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

  /** Kicks, bans, leaves and deletions published while we were not listening: applied from Postgres. */
  private async revalidate(): Promise<void> {
    if (!this.opts.accessOfUsers) return;
    const done = await revalidateSubscriptions(this.hub, this.opts.accessOfUsers);
    if (done.evicted || done.failed) this.opts.log.info({ instanceId: this.instanceId, ...done }, 'subscriptions re-checked after the Redis outage');
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
