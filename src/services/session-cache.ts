/**
 * Sessions cached in memory, so a request or a WebSocket upgrade does not read its session row
 * every time. Revocation must stay immediate everywhere, which these invariants guarantee:
 *
 * - Every way a session ends or a user changes (logout, session delete, sign out everywhere else,
 *   password change, profile change, user deletion) goes through the broker, which evicts here at
 *   once and, with several instances, publishes the eviction and AWAITS the publish before the
 *   request answers; peers evict when they receive it (realtime/cluster/redis-broker.ts).
 * - An entry is used only while `usable()` holds: with Redis, while the bus is healthy. During an
 *   outage every lookup reads Postgres (evictions may be missed then), and when the subscriber is
 *   back the whole cache is dropped (`clear`) before it is trusted again.
 * - A lookup that started before an eviction never caches what it read (`generation`): the row it
 *   read may already be deleted.
 * - Bounded: at most `maxEntries` (least recently used go first), each trusted for `ttlMs` at most,
 *   never past the session's own expiry.
 */
import type { User } from '../protocol.js';

export interface CachedSession {
  sessionId: string;
  user: User;
  /** Epoch ms after which the session is expired. */
  expiresAt: number;
}

interface Entry {
  session: CachedSession;
  /** Epoch ms after which the entry is read again from Postgres. */
  staleAt: number;
}

export interface SessionCacheOptions {
  maxEntries: number;
  ttlMs: number;
  /** Whether entries may be trusted now (the bus is healthy); true on one instance. */
  usable?: () => boolean;
  now?: () => number;
}

/** What must forget sessions and users when they change (the broker calls it for every instance). */
export interface SessionEvictions {
  evictSessions(sessionIds: readonly string[]): void;
  evictUser(userId: string): void;
  /** Evictions may have been missed (a bus outage): forget everything. */
  clear(): void;
}

export class SessionCache implements SessionEvictions {
  private readonly entries = new Map<string, Entry>();
  private readonly byUser = new Map<string, Set<string>>();
  private evictions = 0;
  private readonly now: () => number;
  private readonly usable: () => boolean;
  /** Lookups answered from memory / read from Postgres (for tests and the benchmark). */
  hits = 0;
  misses = 0;

  constructor(private readonly opts: SessionCacheOptions) {
    this.now = opts.now ?? Date.now;
    this.usable = opts.usable ?? (() => true);
  }

  get enabled(): boolean {
    return this.opts.maxEntries > 0;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Changes at every eviction: pass the value read before a lookup to `set`. */
  get generation(): number {
    return this.evictions;
  }

  get(sessionId: string): CachedSession | undefined {
    if (!this.enabled || !this.usable()) return this.miss();
    const entry = this.entries.get(sessionId);
    if (!entry) return this.miss();
    const now = this.now();
    if (now >= entry.staleAt || now >= entry.session.expiresAt) {
      this.remove(sessionId);
      return this.miss();
    }
    // Most recently used last: the Map's order is the eviction order.
    this.entries.delete(sessionId);
    this.entries.set(sessionId, entry);
    this.hits++;
    return entry.session;
  }

  /** Caches a session read from Postgres, unless something was evicted since `generation`. */
  set(session: CachedSession, generation: number): void {
    if (!this.enabled || generation !== this.evictions || !this.usable()) return;
    this.remove(session.sessionId);
    const staleAt = Math.min(this.now() + this.opts.ttlMs, session.expiresAt);
    this.entries.set(session.sessionId, { session, staleAt });
    let ids = this.byUser.get(session.user.id);
    if (!ids) {
      ids = new Set();
      this.byUser.set(session.user.id, ids);
    }
    ids.add(session.sessionId);
    while (this.entries.size > this.opts.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.remove(oldest);
    }
  }

  evictSessions(sessionIds: readonly string[]): void {
    this.evictions++;
    for (const id of sessionIds) this.remove(id);
  }

  evictUser(userId: string): void {
    this.evictions++;
    for (const id of [...(this.byUser.get(userId) ?? [])]) this.remove(id);
  }

  clear(): void {
    this.evictions++;
    this.entries.clear();
    this.byUser.clear();
  }

  private miss(): undefined {
    this.misses++;
    return undefined;
  }

  private remove(sessionId: string): void {
    const entry = this.entries.get(sessionId);
    if (!entry) return;
    this.entries.delete(sessionId);
    const ids = this.byUser.get(entry.session.user.id);
    ids?.delete(sessionId);
    if (ids && ids.size === 0) this.byUser.delete(entry.session.user.id);
  }
}
