/**
 * Several instances on one Postgres, with Redis pub/sub as the bus. Postgres stays the source of
 * truth; the bus only says "something happened", and nothing relies on it alone.
 *
 * Messages: each instance delivers its own commits to its local subscribers at once (so acks never
 * wait for Redis, and a Redis outage does not stop local chat) and publishes each one ONCE on the
 * room's channel; it ignores its own publications when they come back. Each instance subscribes
 * only to the channels of rooms it has local subscribers for (kept for ROOM_LINGER_MS after the
 * last one leaves, so reconnects do not churn), and feeds everything through a RoomSequencer that
 * delivers in seq order and fills any gap from Postgres.
 *
 * Presence: each instance publishes the (room, user) pairs it holds online and keeps them in a Redis
 * set next to a heartbeat key with an expiry; the others keep the union. An instance whose heartbeat
 * key expired is dropped by the others, so its users go offline within ~20 s of a crash.
 *
 * Outage: failures are logged once per outage. When Redis is back, channels are subscribed again,
 * every watched room is caught up from Postgres by seq, the last unsent message of each room is
 * published again (so others notice their gap), and presence snapshots are exchanged again.
 */
import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import type { Message, User } from '../protocol.js';
import type { MessagesRepository } from '../repositories/messages-repository.js';
import type { Broker, BrokerStatus, HubRelay } from './broker.js';
import { ClusterPresence, pairKey, splitPair } from './cluster-presence.js';
import type { Hub } from './hub.js';
import { RoomSequencer } from './room-sequencer.js';
import { TYPING_TTL_MS, TypingTracker } from './typing.js';

export const HEARTBEAT_MS = 5000;
/** An instance whose heartbeat is older than this is taken as dead. */
export const INSTANCE_TTL_MS = 15_000;
/** How long a room's channel stays subscribed after its last local subscriber left. */
export const ROOM_LINGER_MS = 30_000;
const SUBSCRIBE_TIMEOUT_MS = 2000;
/** Rooms caught up from Postgres at a time after an outage (the pool is shared with live traffic). */
const RESYNC_CONCURRENCY = 8;
const CONNECT_WAIT_MS = 5000;

interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface RedisBrokerOptions {
  hub: Hub;
  url: string;
  prefix: string;
  messages: MessagesRepository;
  log: Log;
  /** Presence grace: a peer that said goodbye has its users kept online this long (they reconnect elsewhere). */
  presenceGraceMs: number;
  /** Whether a session still exists (logouts missed during an outage are caught up with it). */
  sessionAlive?: (sessionId: string) => Promise<boolean>;
  instanceId?: string;
}

interface RoomFeed {
  seq: RoomSequencer;
  ready: Promise<void>;
  subscribed: boolean;
  linger: NodeJS.Timeout | null;
}

/** Frames on the bus: `i` is the publishing instance. */
type BusEvent =
  | { t: 'm'; i: string; m: Message }
  | { t: 'ty'; i: string; r: string; u: User; on: boolean }
  | { t: 'p'; i: string; v: number; on: string[]; off: string[] }
  | { t: 'snap'; i: string }
  | { t: 'bye'; i: string }
  | { t: 'ping'; i: string }
  | { t: 'mj' | 'ml'; i: string; r: string; u: User }
  | { t: 'rd'; i: string; u: string; r: string; s: number }
  | { t: 'end'; i: string; s: string };

export class RedisBroker implements Broker, HubRelay {
  readonly kind = 'redis' as const;
  readonly instanceId: string;
  /** Commands and publications (also used by the throttles). */
  readonly redis: Redis;
  private readonly sub: Redis;
  private readonly hub: Hub;
  private readonly log: Log;
  private readonly feeds = new Map<string, RoomFeed>();
  private readonly view: ClusterPresence;
  private readonly remoteTyping: TypingTracker;
  /** Last presence version applied per peer (events and snapshots older than it are stale). */
  private readonly peerVersions = new Map<string, number>();
  private readonly byeTimers = new Map<string, NodeJS.Timeout>();
  /** Newest message per room whose publication failed: published again when Redis is back. */
  private readonly unsent = new Map<string, Message>();
  private presenceBatch = new Map<string, boolean>();
  private presenceFlush: NodeJS.Immediate | null = null;
  private presenceVersion = 0;
  private heartbeat: NodeJS.Timeout | null = null;
  private outage: { since: number; reason: string } | null = null;
  private lastFillErrorLog = 0;
  private closing = false;
  private registered = false;
  private everSubscribed = false;
  /** When our own liveness ping last came back through the subscriber connection. */
  private lastSelfHeard = Date.now();
  private readonly channelAll: string;

  constructor(private readonly opts: RedisBrokerOptions) {
    this.hub = opts.hub;
    this.log = opts.log;
    this.instanceId = opts.instanceId ?? randomUUID();
    this.channelAll = `${opts.prefix}all`;
    const common: RedisOptions = {
      lazyConnect: true,
      // Never queue while disconnected: a command fails at once and the caller falls back.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 5000,
      retryStrategy: (times) => Math.min(100 * times, 2000),
      connectionName: `${opts.prefix}cmd:${this.instanceId}`,
    };
    // A command that gets no answer (a paused or unreachable Redis) fails instead of hanging.
    this.redis = new Redis(opts.url, { ...common, commandTimeout: 3000 });
    this.sub = new Redis(opts.url, { ...common, autoResubscribe: false, connectionName: `${opts.prefix}sub:${this.instanceId}` });
    this.view = new ClusterPresence((roomId, userId, online) =>
      this.hub.broadcastEphemeral(roomId, { type: 'presence', roomId, userId, online }),
    );
    // Typing from other instances stops here by itself if their "stopped" never arrives.
    this.remoteTyping = new TypingTracker(
      (roomId, user, isTyping) => this.hub.broadcastEphemeral(roomId, { type: 'typing', roomId, user, isTyping }, user.id),
      TYPING_TTL_MS + 1000,
    );

    for (const [name, client] of [
      ['commands', this.redis],
      ['subscriber', this.sub],
    ] as const) {
      client.on('error', (err: Error) => this.degraded(`${name} connection: ${err.message}`));
      client.on('close', () => {
        if (!this.closing) this.degraded(`${name} connection closed`);
      });
    }
    this.redis.on('ready', () => void this.commandsReady());
    this.sub.on('ready', () => void this.subscriberReady());
    this.sub.on('message', (channel: string, payload: string) => this.receive(channel, payload));

    this.hub.presence.useView(this.view);
    this.hub.registry.onRoomOpened = (roomId) => this.roomOpened(roomId);
    this.hub.registry.onRoomClosed = (roomId) => this.roomClosed(roomId);
    this.hub.useRelay(this);
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  async start(): Promise<void> {
    const connect = (c: Redis) => c.connect().catch(() => undefined);
    await Promise.race([
      Promise.all([connect(this.redis), connect(this.sub)]),
      new Promise((resolve) => setTimeout(resolve, CONNECT_WAIT_MS).unref()),
    ]);
    if (!this.up) this.degraded('could not connect at start-up');
    this.heartbeat = setInterval(() => void this.beat(), HEARTBEAT_MS);
    this.heartbeat.unref();
    this.log.info({ instanceId: this.instanceId, redis: this.up ? 'connected' : 'unavailable' }, 'cluster mode: Redis bus');
  }

  status(): BrokerStatus {
    if (this.up && !this.outage) return { kind: 'redis', healthy: true };
    return { kind: 'redis', healthy: false, detail: `redis unavailable${this.outage ? `: ${this.outage.reason}` : ''}` };
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const t of this.byeTimers.values()) clearTimeout(t);
    for (const feed of this.feeds.values()) {
      if (feed.linger) clearTimeout(feed.linger);
      feed.seq.close();
    }
    this.feeds.clear();
    this.remoteTyping.close();
    if (this.presenceFlush) clearImmediate(this.presenceFlush);
    if (this.redis.status === 'ready') {
      const p = this.opts.prefix;
      await this.redis
        .multi()
        .srem(`${p}instances`, this.instanceId)
        .del(`${p}hb:${this.instanceId}`, `${p}pres:${this.instanceId}`, `${p}presv:${this.instanceId}`)
        .publish(this.channelAll, JSON.stringify({ t: 'bye', i: this.instanceId }))
        .exec()
        .catch(() => undefined);
    }
    this.redis.disconnect();
    this.sub.disconnect();
  }

  private get up(): boolean {
    return this.redis.status === 'ready' && this.sub.status === 'ready';
  }

  /** Logged once per outage, however many commands fail meanwhile. */
  private degraded(reason: string): void {
    if (this.closing || this.outage) return;
    this.outage = { since: Date.now(), reason };
    this.log.warn(
      { reason, instanceId: this.instanceId },
      'Redis unavailable: serving local connections only; other instances are not heard until it is back (then gaps are filled from Postgres)',
    );
  }

  private async commandsReady(): Promise<void> {
    await this.beat();
    // Others may have dropped us meanwhile: publish our presence afresh.
    await this.rewritePresence();
    this.publishUnsent();
    this.maybeRecovered();
  }

  /** The newest message of each room whose publication failed goes out again: peers see the jump and fill. */
  private publishUnsent(): void {
    for (const [roomId, message] of this.unsent) {
      this.unsent.delete(roomId);
      this.publishMessage(message);
    }
  }

  private async subscriberReady(): Promise<void> {
    const channels = [this.channelAll, ...[...this.feeds.keys()].map((r) => this.roomChannel(r))];
    try {
      await this.sub.subscribe(...channels);
    } catch (err) {
      this.degraded(`subscribe failed: ${(err as Error).message}`);
      return;
    }
    for (const feed of this.feeds.values()) feed.subscribed = true;
    this.lastSelfHeard = Date.now();
    const recovering = this.everSubscribed;
    this.everSubscribed = true;
    if (recovering) void this.recheckSessions();
    await this.loadPeers();
    // Whatever was published while we were not listening is in Postgres.
    const before = this.filledTotal();
    const feeds = [...this.feeds.values()];
    for (let k = 0; k < feeds.length; k += RESYNC_CONCURRENCY) {
      await Promise.all(feeds.slice(k, k + RESYNC_CONCURRENCY).map((f) => f.seq.resync()));
    }
    this.maybeRecovered(this.filledTotal() - before);
  }

  /** Logouts published while we were not listening: sockets of sessions that no longer exist are closed. */
  private async recheckSessions(): Promise<void> {
    const alive = this.opts.sessionAlive;
    if (!alive) return;
    const ids = this.hub.registry.sessionIds();
    let ended = 0;
    for (let k = 0; k < ids.length; k += 20) {
      await Promise.all(
        ids.slice(k, k + 20).map(async (sid) => {
          try {
            if (await alive(sid)) return;
            ended++;
            this.hub.endSession(sid, true);
          } catch {
            // the database is down too: the session stays until its socket reconnects
          }
        }),
      );
    }
    if (ended) this.log.info({ instanceId: this.instanceId, sessions: ended }, 'closed the sockets of sessions that ended while Redis was unreachable');
  }

  private maybeRecovered(filled?: number): void {
    if (!this.outage || !this.up || this.closing) return;
    const downMs = Date.now() - this.outage.since;
    this.outage = null;
    this.log.info(
      { instanceId: this.instanceId, downMs, rooms: this.feeds.size, ...(filled !== undefined ? { filledFromPostgres: filled } : {}) },
      'Redis is back: channels subscribed again and missed messages caught up from Postgres',
    );
  }

  private filledTotal(): number {
    let n = 0;
    for (const f of this.feeds.values()) n += f.seq.filled;
    return n;
  }

  // ---- messages --------------------------------------------------------------------------------

  committed(message: Message, origin: unknown): void {
    this.publishMessage(message);
    const feed = this.feeds.get(message.roomId);
    if (feed) feed.seq.offer(message, origin);
    else this.hub.deliverMessage(message, origin);
  }

  private publishMessage(message: Message): void {
    const remember = () => {
      const prev = this.unsent.get(message.roomId);
      if (!prev || prev.seq < message.seq) this.unsent.set(message.roomId, message);
    };
    if (this.redis.status !== 'ready') return remember();
    this.redis.publish(this.roomChannel(message.roomId), JSON.stringify({ t: 'm', i: this.instanceId, m: message })).catch((err: Error) => {
      remember();
      this.degraded(`publish failed: ${err.message}`);
    });
  }

  roomReady(roomId: string): Promise<void> | undefined {
    return this.feeds.get(roomId)?.ready;
  }

  private roomChannel(roomId: string): string {
    return `${this.opts.prefix}room:${roomId}`;
  }

  private roomOpened(roomId: string): void {
    if (this.closing) return;
    const existing = this.feeds.get(roomId);
    if (existing) {
      if (existing.linger) clearTimeout(existing.linger);
      existing.linger = null;
      return;
    }
    const seq = new RoomSequencer(roomId, {
      fetchAfter: (r, after, limit) => this.opts.messages.page({ roomId: r, after, limit }),
      deliver: (message, origin) => this.hub.deliverMessage(message, origin),
      hasSubscribers: (r) => (this.hub.registry.subscribers(r)?.size ?? 0) > 0,
      onFillError: (err, r) => {
        const now = Date.now();
        if (now - this.lastFillErrorLog < 10_000) return;
        this.lastFillErrorLog = now;
        this.log.error({ err, roomId: r }, 'filling a message gap from the database failed; retrying');
      },
    });
    const feed: RoomFeed = { seq, ready: Promise.resolve(), subscribed: false, linger: null };
    this.feeds.set(roomId, feed);
    feed.ready = this.openFeed(roomId, feed);
    feed.ready.catch(() => undefined);
  }

  /** Subscribe first, then read where the room is: whatever commits later reaches us one way or the other. */
  private async openFeed(roomId: string, feed: RoomFeed): Promise<void> {
    await this.subscribeFeed(roomId, feed);
    try {
      const latest = await this.opts.messages.page({ roomId, limit: 1 });
      feed.seq.start(latest.messages.at(-1)?.seq ?? 0);
    } catch (err) {
      // The subscribe waiting on us fails now; keep trying in the background for later ones.
      void this.retryStart(roomId, feed);
      throw err;
    }
  }

  private async retryStart(roomId: string, feed: RoomFeed): Promise<void> {
    for (let delay = 500; this.feeds.get(roomId) === feed && feed.seq.cursor === null; delay = Math.min(delay * 2, 5000)) {
      await new Promise((r) => setTimeout(r, delay).unref());
      if (this.feeds.get(roomId) !== feed) return;
      try {
        const latest = await this.opts.messages.page({ roomId, limit: 1 });
        feed.seq.start(latest.messages.at(-1)?.seq ?? 0);
        feed.ready = Promise.resolve();
      } catch {
        // still down
      }
    }
  }

  private async subscribeFeed(roomId: string, feed: RoomFeed): Promise<void> {
    if (this.sub.status !== 'ready') return; // subscribed when Redis is back
    try {
      await Promise.race([
        this.sub.subscribe(this.roomChannel(roomId)),
        new Promise((_, reject) => setTimeout(() => reject(new Error('subscribe timed out')), SUBSCRIBE_TIMEOUT_MS).unref()),
      ]);
      feed.subscribed = true;
    } catch (err) {
      this.degraded(`subscribe failed: ${(err as Error).message}`);
    }
  }

  private roomClosed(roomId: string): void {
    const feed = this.feeds.get(roomId);
    if (!feed || this.closing) return;
    if (feed.linger) clearTimeout(feed.linger);
    feed.linger = setTimeout(() => {
      if (this.feeds.get(roomId) !== feed) return;
      this.feeds.delete(roomId);
      feed.seq.close();
      if (this.sub.status === 'ready') this.sub.unsubscribe(this.roomChannel(roomId)).catch(() => undefined);
    }, ROOM_LINGER_MS);
    feed.linger.unref();
  }

  // ---- receiving -------------------------------------------------------------------------------

  private receive(channel: string, payload: string): void {
    let event: BusEvent;
    try {
      event = JSON.parse(payload) as BusEvent;
    } catch {
      return;
    }
    if (!event || typeof event !== 'object') return;
    if (event.i === this.instanceId) {
      // Our own publications come back too: only the liveness ping matters.
      if (event.t === 'ping') this.lastSelfHeard = Date.now();
      return;
    }
    try {
      this.apply(event);
    } catch (err) {
      this.log.error({ err, channel }, 'handling a bus event failed');
    }
  }

  private apply(event: BusEvent): void {
    switch (event.t) {
      case 'm':
        this.feeds.get(event.m.roomId)?.seq.offer(event.m);
        return;
      case 'ty':
        this.remoteTyping.update(event.r, event.u, event.on, -1);
        return;
      case 'p': {
        const known = this.peerVersions.get(event.i) ?? 0;
        if (event.v <= known) return;
        this.peerVersions.set(event.i, event.v);
        this.cancelBye(event.i);
        for (const key of event.off) {
          const [roomId, userId] = splitPair(key);
          this.view.set(event.i, roomId, userId, false);
        }
        for (const key of event.on) {
          const [roomId, userId] = splitPair(key);
          this.view.set(event.i, roomId, userId, true);
        }
        return;
      }
      case 'ping':
        return;
      case 'snap':
        this.cancelBye(event.i);
        void this.loadPeer(event.i);
        return;
      case 'bye': {
        // Its users are probably reconnecting elsewhere: give them the grace period.
        this.cancelBye(event.i);
        const drop = () => {
          this.byeTimers.delete(event.i);
          this.view.dropInstance(event.i);
          this.peerVersions.delete(event.i);
        };
        if (this.opts.presenceGraceMs === 0) return drop();
        const timer = setTimeout(drop, this.opts.presenceGraceMs);
        timer.unref();
        this.byeTimers.set(event.i, timer);
        return;
      }
      case 'mj':
        this.hub.memberJoined(event.r, event.u, true);
        return;
      case 'ml':
        this.hub.memberLeft(event.r, event.u, true);
        return;
      case 'rd':
        this.hub.readMoved(event.u, event.r, event.s, undefined, true);
        return;
      case 'end':
        this.hub.endSession(event.s, true);
        return;
    }
  }

  private cancelBye(instance: string): void {
    const t = this.byeTimers.get(instance);
    if (t) clearTimeout(t);
    this.byeTimers.delete(instance);
  }

  // ---- relay (HubRelay) ------------------------------------------------------------------------

  private publish(channel: string, event: BusEvent): void {
    if (this.closing || this.redis.status !== 'ready') return;
    this.redis.publish(channel, JSON.stringify(event)).catch((err: Error) => this.degraded(`publish failed: ${err.message}`));
  }

  typing(roomId: string, user: User, isTyping: boolean): void {
    this.publish(this.roomChannel(roomId), { t: 'ty', i: this.instanceId, r: roomId, u: user, on: isTyping });
  }

  memberJoined(roomId: string, user: User): void {
    this.publish(this.channelAll, { t: 'mj', i: this.instanceId, r: roomId, u: user });
  }

  memberLeft(roomId: string, user: User): void {
    this.publish(this.channelAll, { t: 'ml', i: this.instanceId, r: roomId, u: user });
  }

  readMoved(userId: string, roomId: string, seq: number): void {
    this.publish(this.channelAll, { t: 'rd', i: this.instanceId, u: userId, r: roomId, s: seq });
  }

  sessionEnded(sessionId: string): void {
    this.publish(this.channelAll, { t: 'end', i: this.instanceId, s: sessionId });
  }

  presenceChanged(roomId: string, userId: string, online: boolean): void {
    this.view.set(this.instanceId, roomId, userId, online);
    if (this.closing) return;
    this.presenceBatch.set(pairKey(roomId, userId), online);
    // Changes of one turn (a connection counts in all of its rooms at once) go out together.
    this.presenceFlush ??= setImmediate(() => {
      this.presenceFlush = null;
      void this.flushPresence();
    });
  }

  private async flushPresence(): Promise<void> {
    const batch = this.presenceBatch;
    this.presenceBatch = new Map();
    if (!batch.size || this.redis.status !== 'ready' || this.closing) return; // rewritten in full when Redis is back
    const on: string[] = [];
    const off: string[] = [];
    for (const [key, online] of batch) (online ? on : off).push(key);
    const p = this.opts.prefix;
    const v = ++this.presenceVersion;
    const tx = this.redis.multi();
    if (on.length) tx.sadd(`${p}pres:${this.instanceId}`, ...on);
    if (off.length) tx.srem(`${p}pres:${this.instanceId}`, ...off);
    tx.set(`${p}presv:${this.instanceId}`, v);
    tx.publish(this.channelAll, JSON.stringify({ t: 'p', i: this.instanceId, v, on, off }));
    await tx.exec().catch((err: Error) => this.degraded(`presence update failed: ${err.message}`));
  }

  /** Our whole share of presence, replacing what Redis had (after an outage or at start). */
  private async rewritePresence(): Promise<void> {
    if (this.redis.status !== 'ready' || this.closing) return;
    const p = this.opts.prefix;
    const pairs = this.view.pairsOf(this.instanceId);
    const v = ++this.presenceVersion;
    this.presenceBatch.clear();
    const tx = this.redis.multi().del(`${p}pres:${this.instanceId}`);
    if (pairs.length) tx.sadd(`${p}pres:${this.instanceId}`, ...pairs);
    tx.set(`${p}presv:${this.instanceId}`, v);
    tx.publish(this.channelAll, JSON.stringify({ t: 'snap', i: this.instanceId }));
    await tx.exec().catch((err: Error) => this.degraded(`presence update failed: ${err.message}`));
  }

  /** Reads every live peer's presence (at start and after an outage); dead peers are dropped. */
  private async loadPeers(): Promise<void> {
    if (this.redis.status !== 'ready') return;
    try {
      const members = await this.redis.smembers(`${this.opts.prefix}instances`);
      const peers = members.filter((id) => id !== this.instanceId);
      const alive = await this.aliveOf(peers);
      for (const id of this.view.knownInstances()) {
        if (id !== this.instanceId && !alive.has(id) && !this.byeTimers.has(id)) this.dropPeer(id);
      }
      await Promise.all([...alive].map((id) => this.loadPeer(id)));
    } catch (err) {
      this.degraded(`reading presence failed: ${(err as Error).message}`);
    }
  }

  private async loadPeer(id: string): Promise<void> {
    if (this.redis.status !== 'ready') return;
    const p = this.opts.prefix;
    try {
      const res = await this.redis.multi().get(`${p}presv:${id}`).smembers(`${p}pres:${id}`).exec();
      if (!res) return;
      const v = Number(res[0]![1] ?? 0);
      const pairs = (res[1]![1] as string[] | null) ?? [];
      if (v < (this.peerVersions.get(id) ?? 0)) return; // an event already told us something newer
      this.peerVersions.set(id, v);
      this.view.replaceInstance(id, pairs);
    } catch (err) {
      this.degraded(`reading presence failed: ${(err as Error).message}`);
    }
  }

  private async aliveOf(ids: string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.exists(`${this.opts.prefix}hb:${id}`);
    const res = (await pipe.exec()) ?? [];
    return new Set(ids.filter((_, k) => res[k]?.[1] === 1));
  }

  private dropPeer(id: string): void {
    this.cancelBye(id);
    this.view.dropInstance(id);
    this.peerVersions.delete(id);
  }

  /** Heartbeat, dead-peer sweep, and channels that could not be subscribed earlier. */
  private async beat(): Promise<void> {
    if (this.closing || this.redis.status !== 'ready') return;
    const p = this.opts.prefix;
    try {
      const res = await this.redis
        .multi()
        .set(`${p}hb:${this.instanceId}`, '1', 'PX', INSTANCE_TTL_MS)
        .sadd(`${p}instances`, this.instanceId)
        .smembers(`${p}instances`)
        .publish(this.channelAll, JSON.stringify({ t: 'ping', i: this.instanceId }))
        .exec();
      const added = res?.[1]?.[1] === 1;
      if (added && this.registered) await this.rewritePresence(); // someone swept us while we were away
      this.registered = true;
      const peers = ((res?.[2]?.[1] as string[] | undefined) ?? []).filter((id) => id !== this.instanceId);
      const alive = await this.aliveOf(peers);
      for (const id of peers) {
        if (alive.has(id)) continue;
        this.dropPeer(id);
        // One instance wins the clean-up of a dead peer's keys.
        if ((await this.redis.srem(`${p}instances`, id)) === 1) await this.redis.del(`${p}pres:${id}`, `${p}presv:${id}`);
      }
      for (const id of this.view.knownInstances()) if (id !== this.instanceId && !peers.includes(id) && !this.byeTimers.has(id)) this.dropPeer(id);
      this.publishUnsent();
      this.maybeRecovered();
    } catch (err) {
      this.degraded(`heartbeat failed: ${(err as Error).message}`);
      return;
    }
    if (this.sub.status === 'ready') {
      // A subscriber connection that looks open but no longer hears the bus (a half-open TCP
      // connection) is replaced: reconnecting subscribes again and catches up from Postgres.
      if (Date.now() - this.lastSelfHeard > 3 * HEARTBEAT_MS) {
        this.degraded('subscriber connection stopped receiving');
        this.lastSelfHeard = Date.now();
        this.sub.disconnect(true);
        return;
      }
      for (const [roomId, feed] of this.feeds) {
        if (feed.subscribed) continue;
        await this.subscribeFeed(roomId, feed);
        if (feed.subscribed) await feed.seq.resync();
      }
    }
  }
}
