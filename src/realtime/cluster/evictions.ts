/**
 * Session evictions across instances (logout, revoked sessions, a changed profile): published on
 * the all-channel, and answered. Invariant: the request that ended a session answers only after
 * every peer that received the eviction has applied it (it answers `evicted`), or after
 * EVICTION_ACK_MS for a peer that does not answer; Redis' PUBLISH reply says how many subscribers
 * received it (this instance's own included), so the publisher knows how many answers to expect.
 *
 * When Redis is down for everyone, every instance bypasses its session cache until it is back
 * (then drops it whole). When only THIS instance cannot reach Redis, the eviction is kept and
 * published again as soon as the commands connection is back; until then a peer may trust its
 * cached entry for at most SESSION_CACHE_TTL_MS (and Postgres, which no longer has the session,
 * is right again after it).
 */
import { randomUUID } from 'node:crypto';
import type { BusEventOf } from './bus-events.js';
import type { RedisBus } from './redis-bus.js';

type Eviction = BusEventOf<'session-ended'> | BusEventOf<'user-updated'>;

/** Evictions kept for republishing while this instance cannot reach Redis. */
const MAX_UNSENT_EVICTIONS = 1000;
/** How long a request that ended sessions waits for every peer to confirm the eviction. */
export const EVICTION_ACK_MS = 1000;

export class Evictions {
  /** Evictions whose publish failed, published again when the commands connection is back. */
  private readonly unsent: Eviction[] = [];
  /** Evictions this instance published, waiting for their peers' answers. */
  private readonly awaited = new Map<string, { left: number; done: () => void }>();

  constructor(private readonly bus: RedisBus) {}

  /** Publishes the eviction; resolves once every peer has applied it (or did not answer in time). */
  async publish(event: Eviction): Promise<void> {
    const ack = randomUUID();
    const receivers = await this.bus.publishCounted(this.bus.allChannel, { ...event, ack });
    if (receivers === null) {
      // Bounded: past it the oldest go (their cache entries have expired by then anyway).
      if (this.unsent.push(event) > MAX_UNSENT_EVICTIONS) this.unsent.shift();
      return;
    }
    const peers = receivers - 1;
    if (peers <= 0) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.awaited.delete(ack);
        resolve();
      };
      const timer = setTimeout(done, EVICTION_ACK_MS);
      timer.unref();
      this.awaited.set(ack, { left: peers, done });
    });
  }

  /** A peer applied an eviction (ours or another instance's: those are not awaited here). */
  answered(ack: string): void {
    const waiting = this.awaited.get(ack);
    if (waiting && --waiting.left <= 0) waiting.done();
  }

  /** This instance applied a peer's eviction: tell its publisher. */
  acknowledge(ack: string | undefined): void {
    if (ack) void this.bus.publish(this.bus.allChannel, { type: 'evicted', instance: this.bus.instanceId, ack });
  }

  /** The commands connection is back: what could not be published goes now. */
  republish(): void {
    for (const event of this.unsent.splice(0)) void this.publish(event);
  }
}
