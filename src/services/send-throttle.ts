/**
 * Sends per user on this instance: ONE token bucket per user, shared by HTTP sends and every
 * WebSocket connection of the user (`rate` per second, bursts of `burst`), so opening more sockets
 * buys no more sends. The message writer takes a token for every send it accepts.
 *
 * Bounded memory: a bucket left alone for `burst / rate` seconds is full again, the same as no
 * bucket, so it is dropped. Entries are kept in last-use order (a use moves its entry to the end),
 * and each use first drops the expired ones from the front: every entry expires by itself, and the
 * map holds only users who sent within the last `burst / rate` seconds.
 *
 * Across instances each one counts its own share (a user's sockets on three instances get three
 * buckets): a shared counter would put a Redis round trip in front of every send.
 */
import { TokenBucket } from '../lib/rate-limiter.js';
import { sendTier, type SendTier } from './room-access.js';

interface Entry {
  bucket: TokenBucket;
  lastUse: number;
}

export class SendThrottle {
  private readonly entries = new Map<string, Entry>();
  /** After this long unused, a bucket is full again. */
  private readonly refillMs: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.refillMs = Math.ceil((burst / rate) * 1000);
  }

  /** Takes a token for the user: 0 when allowed, else the milliseconds until one is available. */
  take(userId: string): number {
    const t = this.now();
    this.expire(t);
    let entry = this.entries.get(userId);
    if (entry) this.entries.delete(userId);
    else entry = { bucket: new TokenBucket(this.rate, this.burst, this.now), lastUse: t };
    entry.lastUse = t;
    this.entries.set(userId, entry);
    return entry.bucket.take();
  }

  /** Users with a bucket that is not full again yet (tests). */
  get size(): number {
    return this.entries.size;
  }

  private expire(t: number): void {
    for (const [userId, entry] of this.entries) {
      if (t - entry.lastUse < this.refillMs) return;
      this.entries.delete(userId);
    }
  }
}

/**
 * One SendThrottle per tier (room-access.ts `sendTier`): guests draw from their own, slower
 * buckets. A user changes tier only by upgrading, which starts them on a fresh full bucket.
 */
export class TieredSendThrottle {
  constructor(private readonly tiers: Record<SendTier, SendThrottle>) {}

  /** As SendThrottle.take, from the user's tier. */
  take(user: { id: string; isGuest: boolean }): number {
    return this.tiers[sendTier(user)].take(user.id);
  }
}
