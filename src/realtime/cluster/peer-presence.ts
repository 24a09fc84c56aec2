/**
 * Presence across instances. Each instance publishes the (room, user) pairs it holds online and
 * keeps them in a Redis set next to a heartbeat key with an expiry; every instance keeps the union
 * (ClusterPresence). An instance whose heartbeat key expired is dropped by the others, so its
 * users go offline within ~20 s of a crash; one that says goodbye has its users kept for the
 * presence grace period (they are probably reconnecting elsewhere).
 *
 * Ordering: every change this instance publishes carries a version, also stored next to its set;
 * an event or a snapshot older than what was applied for that peer is ignored.
 */
import type { PresenceView } from '../presence.js';
import { encodeBusEvent, type BusEventOf } from './bus-events.js';
import { ClusterPresence, pairKey, splitPair } from './cluster-presence.js';
import type { RedisBus } from './redis-bus.js';

/** An instance whose heartbeat is older than this is taken as dead. */
export const INSTANCE_TTL_MS = 15_000;

export interface PeerPresenceOptions {
  /** A peer that said goodbye has its users kept online this long. */
  graceMs: number;
  /** The cluster-wide union changed: show it in the room. */
  shown(roomId: string, userId: string, online: boolean): void;
}

export class PeerPresence {
  private readonly view: ClusterPresence;
  /** Last presence version applied per peer. */
  private readonly peerVersions = new Map<string, number>();
  private readonly goodbyeTimers = new Map<string, NodeJS.Timeout>();
  private batch = new Map<string, boolean>();
  private flushing: NodeJS.Immediate | null = null;
  private version = 0;
  private registered = false;
  private closed = false;

  constructor(
    private readonly bus: RedisBus,
    private readonly opts: PeerPresenceOptions,
  ) {
    this.view = new ClusterPresence(opts.shown);
  }

  /** The union, for `onlineIn`/`isOnline`. */
  get presenceView(): PresenceView {
    return this.view;
  }

  private get self(): string {
    return this.bus.instanceId;
  }

  /** This instance's own presence changed: the union now, the others with this turn's batch. */
  changed(roomId: string, userId: string, online: boolean): void {
    this.view.set(this.self, roomId, userId, online);
    if (this.closed) return;
    this.batch.set(pairKey(roomId, userId), online);
    // Changes of one turn (a connection counts in all of its rooms at once) go out together.
    this.flushing ??= setImmediate(() => {
      this.flushing = null;
      void this.flush();
    });
  }

  applyChanges(event: BusEventOf<'presence'>): void {
    if (event.version <= (this.peerVersions.get(event.instance) ?? 0)) return;
    this.peerVersions.set(event.instance, event.version);
    this.cancelGoodbye(event.instance);
    for (const key of event.offline) this.view.set(event.instance, ...splitPair(key), false);
    for (const key of event.online) this.view.set(event.instance, ...splitPair(key), true);
  }

  applySnapshot(event: BusEventOf<'snapshot'>): void {
    this.cancelGoodbye(event.instance);
    void this.loadPeer(event.instance);
  }

  applyGoodbye(event: BusEventOf<'goodbye'>): void {
    const peer = event.instance;
    this.cancelGoodbye(peer);
    if (this.opts.graceMs === 0) return this.dropPeer(peer);
    const timer = setTimeout(() => this.dropPeer(peer), this.opts.graceMs);
    timer.unref();
    this.goodbyeTimers.set(peer, timer);
  }

  /** Heartbeat: our key refreshed, dead peers swept (one instance wins the clean-up of their keys). */
  async beat(): Promise<void> {
    if (!this.bus.commandsUp) return;
    const redis = this.bus.commands;
    try {
      const res = await redis
        .multi()
        .set(this.bus.key(`hb:${this.self}`), '1', 'PX', INSTANCE_TTL_MS)
        .sadd(this.bus.key('instances'), this.self)
        .smembers(this.bus.key('instances'))
        .exec();
      const added = res?.[1]?.[1] === 1;
      if (added && this.registered) await this.rewrite(); // someone swept us while we were away
      this.registered = true;
      const peers = ((res?.[2]?.[1] as string[] | undefined) ?? []).filter((id) => id !== this.self);
      const alive = await this.aliveOf(peers);
      for (const id of peers) {
        if (alive.has(id)) continue;
        this.dropPeer(id);
        if ((await redis.srem(this.bus.key('instances'), id)) === 1) await redis.del(this.bus.key(`pres:${id}`), this.bus.key(`presv:${id}`));
      }
      for (const id of this.view.knownInstances()) {
        if (id !== this.self && !peers.includes(id) && !this.goodbyeTimers.has(id)) this.dropPeer(id);
      }
    } catch (err) {
      this.bus.degraded(`heartbeat failed: ${(err as Error).message}`);
    }
  }

  /** Our whole share of presence, replacing what Redis had (after an outage or at start). */
  async rewrite(): Promise<void> {
    if (!this.bus.commandsUp || this.closed) return;
    const own = this.bus.key(`pres:${this.self}`);
    const pairs = this.view.pairsOf(this.self);
    const v = ++this.version;
    this.batch.clear();
    const tx = this.bus.commands.multi().del(own);
    if (pairs.length) tx.sadd(own, ...pairs);
    tx.set(this.bus.key(`presv:${this.self}`), v);
    tx.publish(this.bus.allChannel, encodeBusEvent({ type: 'snapshot', instance: this.self }));
    await tx.exec().catch((err: Error) => this.bus.degraded(`presence update failed: ${err.message}`));
  }

  /** Reads every live peer's presence (at start and after an outage); dead peers are dropped. */
  async loadPeers(): Promise<void> {
    if (!this.bus.commandsUp) return;
    try {
      const members = await this.bus.commands.smembers(this.bus.key('instances'));
      const alive = await this.aliveOf(members.filter((id) => id !== this.self));
      for (const id of this.view.knownInstances()) {
        if (id !== this.self && !alive.has(id) && !this.goodbyeTimers.has(id)) this.dropPeer(id);
      }
      await Promise.all([...alive].map((id) => this.loadPeer(id)));
    } catch (err) {
      this.bus.degraded(`reading presence failed: ${(err as Error).message}`);
    }
  }

  /** Shutting down: our keys go and the others hear goodbye. */
  async goodbye(): Promise<void> {
    this.closed = true;
    for (const t of this.goodbyeTimers.values()) clearTimeout(t);
    if (this.flushing) clearImmediate(this.flushing);
    if (!this.bus.commandsUp) return;
    await this.bus.commands
      .multi()
      .srem(this.bus.key('instances'), this.self)
      .del(this.bus.key(`hb:${this.self}`), this.bus.key(`pres:${this.self}`), this.bus.key(`presv:${this.self}`))
      .publish(this.bus.allChannel, encodeBusEvent({ type: 'goodbye', instance: this.self }))
      .exec()
      .catch(() => undefined);
  }

  private async flush(): Promise<void> {
    const batch = this.batch;
    this.batch = new Map();
    if (!batch.size || !this.bus.commandsUp || this.closed) return; // rewritten in full when Redis is back
    const online: string[] = [];
    const offline: string[] = [];
    for (const [key, on] of batch) (on ? online : offline).push(key);
    const own = this.bus.key(`pres:${this.self}`);
    const version = ++this.version;
    const tx = this.bus.commands.multi();
    if (online.length) tx.sadd(own, ...online);
    if (offline.length) tx.srem(own, ...offline);
    tx.set(this.bus.key(`presv:${this.self}`), version);
    tx.publish(this.bus.allChannel, encodeBusEvent({ type: 'presence', instance: this.self, version, online, offline }));
    await tx.exec().catch((err: Error) => this.bus.degraded(`presence update failed: ${err.message}`));
  }

  private async loadPeer(id: string): Promise<void> {
    if (!this.bus.commandsUp) return;
    try {
      const res = await this.bus.commands.multi().get(this.bus.key(`presv:${id}`)).smembers(this.bus.key(`pres:${id}`)).exec();
      if (!res) return;
      const v = Number(res[0]![1] ?? 0);
      const pairs = (res[1]![1] as string[] | null) ?? [];
      if (v < (this.peerVersions.get(id) ?? 0)) return; // an event already told us something newer
      this.peerVersions.set(id, v);
      this.view.replaceInstance(id, pairs);
    } catch (err) {
      this.bus.degraded(`reading presence failed: ${(err as Error).message}`);
    }
  }

  private async aliveOf(ids: string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const pipe = this.bus.commands.pipeline();
    for (const id of ids) pipe.exists(this.bus.key(`hb:${id}`));
    const res = (await pipe.exec()) ?? [];
    return new Set(ids.filter((_, k) => res[k]?.[1] === 1));
  }

  private cancelGoodbye(peer: string): void {
    const t = this.goodbyeTimers.get(peer);
    if (t) clearTimeout(t);
    this.goodbyeTimers.delete(peer);
  }

  private dropPeer(peer: string): void {
    this.cancelGoodbye(peer);
    this.view.dropInstance(peer);
    this.peerVersions.delete(peer);
  }
}
