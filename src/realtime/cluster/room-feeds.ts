/**
 * Messages across instances, room by room. Each instance delivers its own commits to its local
 * subscribers at once (acks never wait for Redis, and an outage does not stop local chat) and
 * publishes each one ONCE on the room's channel. It subscribes only to the channels of rooms it
 * has local subscribers for (kept for ROOM_LINGER_MS after the last one leaves, so reconnects do
 * not churn), and feeds everything through a RoomSequencer that delivers in seq order and fills any
 * gap from Postgres. A publication that failed is remembered per room (the newest one) and sent
 * again when Redis is back, so the others notice their gap and fill it.
 */
import type { Message } from '../../protocol.js';
import type { AckTarget } from '../ack-target.js';
import { RoomSequencer } from '../room-sequencer.js';
import type { RedisBus } from './redis-bus.js';

/** How long a room's channel stays subscribed after its last local subscriber left. */
export const ROOM_LINGER_MS = 30_000;
/** Rooms caught up from Postgres at a time after an outage (the pool is shared with live traffic). */
const RESYNC_CONCURRENCY = 8;
const FILL_ERROR_LOG_EVERY_MS = 10_000;

/** Where a feed delivers: the local hub. */
export interface FeedTarget {
  deliverMessage(message: Message, origin?: AckTarget): void;
  hasSubscribers(roomId: string): boolean;
}

export interface FeedStore {
  /** Messages of a room in ascending seq after `after`, or the newest `limit` without it. */
  page(input: { roomId: string; after?: number; limit: number }): Promise<{ messages: Message[]; hasMore: boolean }>;
}

interface RoomFeed {
  seq: RoomSequencer;
  ready: Promise<void>;
  subscribed: boolean;
  linger: NodeJS.Timeout | null;
}

export class RoomFeeds {
  private readonly feeds = new Map<string, RoomFeed>();
  /** Newest message per room whose publication failed. */
  private readonly unsent = new Map<string, Message>();
  private lastFillErrorLog = 0;
  private closed = false;

  constructor(
    private readonly bus: RedisBus,
    private readonly store: FeedStore,
    private readonly target: FeedTarget,
  ) {}

  get size(): number {
    return this.feeds.size;
  }

  /** This instance committed a message: published for the others, delivered here in seq order. */
  committed(message: Message, origin?: AckTarget): void {
    this.publish(message);
    const feed = this.feeds.get(message.roomId);
    if (feed) feed.seq.offer(message, origin);
    else this.target.deliverMessage(message, origin);
  }

  /** Another instance's message, from the bus. */
  received(message: Message): void {
    this.feeds.get(message.roomId)?.seq.offer(message);
  }

  /** Resolves once the room's messages from every instance reach this one. */
  ready(roomId: string): Promise<void> | undefined {
    return this.feeds.get(roomId)?.ready;
  }

  /** The room got its first local subscriber. */
  opened(roomId: string): void {
    if (this.closed) return;
    const existing = this.feeds.get(roomId);
    if (existing) {
      if (existing.linger) clearTimeout(existing.linger);
      existing.linger = null;
      return;
    }
    const seq = new RoomSequencer(roomId, {
      fetchAfter: (r, after, limit) => this.store.page({ roomId: r, after, limit }),
      deliver: (message, origin) => this.target.deliverMessage(message, origin),
      hasSubscribers: (r) => this.target.hasSubscribers(r),
      onFillError: (err, r) => {
        const now = Date.now();
        if (now - this.lastFillErrorLog < FILL_ERROR_LOG_EVERY_MS) return;
        this.lastFillErrorLog = now;
        this.bus.log.error({ err, roomId: r }, 'filling a message gap from the database failed; retrying');
      },
    });
    const feed: RoomFeed = { seq, ready: Promise.resolve(), subscribed: false, linger: null };
    this.feeds.set(roomId, feed);
    feed.ready = this.open(roomId, feed);
    feed.ready.catch(() => undefined);
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

  /** Redis is back: publishes again the newest unsent message of each room (peers see the jump and fill). */
  publishUnsent(): void {
    for (const [roomId, message] of this.unsent) {
      this.unsent.delete(roomId);
      this.publish(message);
    }
  }

  /** The subscriber is back: every feed's channel again, then what was missed from Postgres; returns how many were filled. */
  async resubscribe(): Promise<number> {
    const feeds = [...this.feeds.entries()];
    if (!(await this.bus.subscribe(feeds.map(([roomId]) => this.bus.roomChannel(roomId))))) return 0;
    for (const [, feed] of feeds) feed.subscribed = true;
    const before = this.filledTotal();
    for (let k = 0; k < feeds.length; k += RESYNC_CONCURRENCY) {
      await Promise.all(feeds.slice(k, k + RESYNC_CONCURRENCY).map(([, f]) => f.seq.resync()));
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

  private publish(message: Message): void {
    void this.bus.publish(this.bus.roomChannel(message.roomId), { type: 'message', instance: this.bus.instanceId, message }).then((ok) => {
      if (ok) return;
      const prev = this.unsent.get(message.roomId);
      if (!prev || prev.seq < message.seq) this.unsent.set(message.roomId, message);
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

  /** The sequencer starts after the room's newest stored message. */
  private async start(feed: RoomFeed): Promise<void> {
    const latest = await this.store.page({ roomId: feed.seq.roomId, limit: 1 });
    feed.seq.start(latest.messages.at(-1)?.seq ?? 0);
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
