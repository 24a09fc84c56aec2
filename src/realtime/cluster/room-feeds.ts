/**
 * Room log events (messages, edits, deletions, reactions) across instances, room by room. Each instance delivers its own commits to its local
 * subscribers at once (acks never wait for Redis, and an outage does not stop local chat) and
 * publishes each one ONCE on the room's channel. It subscribes only to the channels of rooms it
 * has local subscribers for (kept for ROOM_LINGER_MS after the last one leaves, so reconnects do
 * not churn), and feeds everything through a RoomSequencer that delivers in seq order and fills any
 * gap from Postgres. A publication that failed is remembered per room (the newest one) and sent
 * again when Redis is back, so the others notice their gap and fill it.
 */
import type { LogFrame } from '../../protocol.js';
import type { AckTarget } from '../ack-target.js';
import { logEventOf, type LogEvent } from '../log-event.js';
import { RoomSequencer } from '../room-sequencer.js';
import type { RedisBus } from './redis-bus.js';

/** How long a room's channel stays subscribed after its last local subscriber left. */
export const ROOM_LINGER_MS = 30_000;
/** Rooms caught up from Postgres at a time after an outage (the pool is shared with live traffic). */
const RESYNC_CONCURRENCY = 8;
const FILL_ERROR_LOG_EVERY_MS = 10_000;

/** Where a feed delivers: the local hub. */
export interface FeedTarget {
  deliverEvent(event: LogEvent, origin?: AckTarget): void;
  hasSubscribers(roomId: string): boolean;
}

export interface FeedStore {
  /** The room's log in ascending seq after `after`. */
  eventsAfter(input: { roomId: string; after: number; limit: number }): Promise<{ events: LogFrame[]; hasMore: boolean }>;
  /** The room's newest log position. */
  lastSeq(roomId: string): Promise<number>;
  /** Resolves once this instance's commits of the room still on their way are offered (MessageWriter.committing). */
  ownCommits?(roomId: string): Promise<void> | undefined;
}

/** Events delivered after waiting for earlier seqs, and the sum of their waits (both only grow). */
export interface OrderingWaits {
  waited: number;
  waitedMs: number;
}

interface RoomFeed {
  seq: RoomSequencer;
  ready: Promise<void>;
  subscribed: boolean;
  linger: NodeJS.Timeout | null;
}

export class RoomFeeds {
  private readonly feeds = new Map<string, RoomFeed>();
  /** Newest event per room whose publication failed. */
  private readonly unsent = new Map<string, LogEvent>();
  private lastFillErrorLog = 0;
  private closed = false;
  /**
   * Events that waited in a sequencer for earlier seqs (another instance's, from the bus or a
   * fill), and the sum of their waits: what cross-instance ordering costs (/metrics). Only grow.
   */
  readonly ordering: OrderingWaits = { waited: 0, waitedMs: 0 };

  constructor(
    private readonly bus: RedisBus,
    private readonly store: FeedStore,
    private readonly target: FeedTarget,
  ) {}

  get size(): number {
    return this.feeds.size;
  }

  /** This instance committed an event: published for the others, delivered here in seq order. */
  committed(event: LogEvent, origin?: AckTarget): void {
    this.publish(event);
    const feed = this.feeds.get(event.roomId);
    if (feed) feed.seq.offer(event, origin);
    else this.target.deliverEvent(event, origin);
  }

  /** Another instance's event, from the bus. */
  received(frame: LogFrame): void {
    const event = logEventOf(frame);
    this.feeds.get(event.roomId)?.seq.offer(event);
  }

  /** A member subscribes here: the room's feed (opened if needed); resolves once it is live. */
  watch(roomId: string): Promise<void> {
    if (this.closed) return Promise.resolve();
    const existing = this.feeds.get(roomId);
    if (existing) {
      if (existing.linger) clearTimeout(existing.linger);
      existing.linger = null;
      return existing.ready;
    }
    const seq = new RoomSequencer(roomId, {
      fetchAfter: async (r, after, limit) => {
        const page = await this.store.eventsAfter({ roomId: r, after, limit });
        return { events: page.events.map(logEventOf), hasMore: page.hasMore };
      },
      deliver: (event, origin) => this.target.deliverEvent(event, origin),
      hasSubscribers: (r) => this.target.hasSubscribers(r),
      ownCommits: (r) => this.store.ownCommits?.(r),
      onWaited: (ms) => {
        this.ordering.waited++;
        this.ordering.waitedMs += ms;
      },
      onFillError: (err, r) => {
        const now = Date.now();
        if (now - this.lastFillErrorLog < FILL_ERROR_LOG_EVERY_MS) return;
        this.lastFillErrorLog = now;
        this.bus.log.error({ err, roomId: r }, 'filling a room log gap from the database failed; retrying');
      },
    });
    const feed: RoomFeed = { seq, ready: Promise.resolve(), subscribed: false, linger: null };
    this.feeds.set(roomId, feed);
    feed.ready = this.open(roomId, feed);
    feed.ready.catch(() => undefined);
    return feed.ready;
  }

  /** The room lost its last local subscriber: its feed lingers a while, then goes. */
  closedLocally(roomId: string): void {
    const feed = this.feeds.get(roomId);
    if (!feed || this.closed) return;
    if (feed.linger) clearTimeout(feed.linger);
    feed.linger = setTimeout(() => {
      if (this.feeds.get(roomId) !== feed) return;
      this.feeds.delete(roomId);
      feed.seq.close();
      this.bus.unsubscribe(this.bus.roomChannel(roomId));
    }, ROOM_LINGER_MS);
    feed.linger.unref();
  }

  /** Redis is back: publishes again the newest unsent event of each room (peers see the jump and fill). */
  publishUnsent(): void {
    for (const [roomId, event] of this.unsent) {
      this.unsent.delete(roomId);
      this.publish(event);
    }
  }

  /** The subscriber is back: every feed's channel again (at once, so as little as possible is missed). */
  async resubscribe(): Promise<boolean> {
    const feeds = [...this.feeds.entries()];
    if (!(await this.bus.subscribe(feeds.map(([roomId]) => this.bus.roomChannel(roomId))))) return false;
    for (const [, feed] of feeds) feed.subscribed = true;
    return true;
  }

  /** What was published while nobody here listened, from Postgres; returns how many messages were filled. */
  async resync(): Promise<number> {
    const feeds = [...this.feeds.values()];
    const before = this.filledTotal();
    for (let k = 0; k < feeds.length; k += RESYNC_CONCURRENCY) {
      await Promise.all(feeds.slice(k, k + RESYNC_CONCURRENCY).map((f) => f.seq.resync()));
    }
    return this.filledTotal() - before;
  }

  /** Channels that could not be subscribed earlier (heartbeat). */
  async retrySubscriptions(): Promise<void> {
    if (!this.bus.subscriberUp) return;
    for (const [roomId, feed] of this.feeds) {
      if (feed.subscribed) continue;
      await this.subscribeFeed(roomId, feed);
      if (feed.subscribed) await feed.seq.resync();
    }
  }

  /** Stops every feed; what a sequencer held is handed over in seq order (acks are never lost). */
  close(): void {
    this.closed = true;
    for (const feed of this.feeds.values()) {
      if (feed.linger) clearTimeout(feed.linger);
      feed.seq.close();
    }
    this.feeds.clear();
  }

  private publish(event: LogEvent): void {
    void this.bus.publish(this.bus.roomChannel(event.roomId), { type: 'event', instance: this.bus.instanceId, event: event.frame }).then((ok) => {
      if (ok) return;
      const prev = this.unsent.get(event.roomId);
      if (!prev || prev.seq < event.seq) this.unsent.set(event.roomId, event);
    });
  }

  /** Subscribe first, then read where the room is: whatever commits later reaches us one way or the other. */
  private async open(roomId: string, feed: RoomFeed): Promise<void> {
    await this.subscribeFeed(roomId, feed);
    try {
      await this.start(feed);
    } catch (err) {
      // The subscribe waiting on us fails now; keep trying in the background for later ones.
      void this.retryStart(roomId, feed);
      throw err;
    }
  }

  /** The sequencer starts after the room's newest stored event. */
  private async start(feed: RoomFeed): Promise<void> {
    feed.seq.start(await this.store.lastSeq(feed.seq.roomId));
  }

  private async retryStart(roomId: string, feed: RoomFeed): Promise<void> {
    for (let delay = 500; this.feeds.get(roomId) === feed && feed.seq.cursor === null; delay = Math.min(delay * 2, 5000)) {
      await new Promise((r) => setTimeout(r, delay).unref());
      if (this.feeds.get(roomId) !== feed) return;
      try {
        await this.start(feed);
        feed.ready = Promise.resolve();
      } catch {
        // still down
      }
    }
  }

  private async subscribeFeed(roomId: string, feed: RoomFeed): Promise<void> {
    // While the subscriber is down the channel is subscribed when it is back (resubscribe).
    if (this.bus.subscriberUp && (await this.bus.subscribe([this.bus.roomChannel(roomId)]))) feed.subscribed = true;
  }

  private filledTotal(): number {
    let n = 0;
    for (const f of this.feeds.values()) n += f.seq.filled;
    return n;
  }
}
