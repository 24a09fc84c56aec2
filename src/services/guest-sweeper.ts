/**
 * Removes guests inactive for GUEST_TTL_DAYS (users-repository `sweepInactiveGuests`: anonymised,
 * sessions ended, rooms left; their messages stay) and tells the live side: the removed sessions'
 * sockets close with 4001 and the rooms they left hear `member left`, on every instance.
 * Runs on an unref'd timer in every instance (services plugin); several instances sweeping at
 * once each remove a guest at most once, because the repository's UPDATE re-checks each row.
 */
import type { RoomEvents } from '../realtime/broker.js';
import { toUser } from '../repositories/mappers.js';
import type { UsersRepository } from '../repositories/users-repository.js';

/** How often each instance sweeps. */
export const GUEST_SWEEP_MS = 60 * 60_000;
/** A guest's activity is written at most this often (one UPDATE per guest per period). */
export const GUEST_ACTIVITY_WRITE_MS = 60 * 60_000;

/**
 * "Write this user's activity now?" at most once per `everyMs` per user from this process, so a
 * guest's requests cost no write each (the UPDATE itself also skips a recent value, for the other
 * instances). Bounded: forgetting everyone only costs one more conditional write each.
 */
export class ActivityThrottle {
  private readonly last = new Map<string, number>();
  constructor(private readonly everyMs: number, private readonly maxEntries = 10_000) {}

  due(userId: string, now = Date.now()): boolean {
    const at = this.last.get(userId);
    if (at !== undefined && now - at < this.everyMs) return false;
    if (this.last.size >= this.maxEntries) this.last.clear();
    this.last.set(userId, now);
    return true;
  }
}
/** Guests removed per transaction. */
const BATCH = 500;

export interface GuestSweepDeps {
  users: UsersRepository;
  broker: Pick<RoomEvents, 'memberLeft' | 'sessionsEnded'>;
  ttlMs: number;
  now?: () => number;
}

/** One sweep, batch after batch until no inactive guest is left; returns how many were removed. */
export async function sweepGuests(deps: GuestSweepDeps): Promise<number> {
  const cutoff = new Date((deps.now ?? Date.now)() - deps.ttlMs);
  let removed = 0;
  for (;;) {
    const swept = await deps.users.sweepInactiveGuests(cutoff, BATCH);
    removed += swept.users.length;
    const byId = new Map(swept.users.map((row) => [row.id, toUser(row)]));
    if (swept.sessionIds.length) await deps.broker.sessionsEnded(swept.sessionIds);
    for (const m of swept.memberships) deps.broker.memberLeft(m.roomId, byId.get(m.userId)!);
    if (swept.users.length < BATCH) return removed;
  }
}
