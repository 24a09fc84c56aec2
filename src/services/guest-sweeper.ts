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
/** Guests removed per transaction. */
const BATCH = 500;

export interface GuestSweepDeps {
  users: UsersRepository;
  broker: Pick<RoomEvents, 'memberLeft' | 'sessionEnded'>;
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
    for (const sessionId of swept.sessionIds) deps.broker.sessionEnded(sessionId);
    for (const m of swept.memberships) deps.broker.memberLeft(m.roomId, byId.get(m.userId)!);
    if (swept.users.length < BATCH) return removed;
  }
}
