/**
 * Membership changes that happen while a read of a user's rooms is in flight. A connecting
 * socket reads its user's rooms (for presence) and applies them later; a kick, ban, leave, join
 * or room deletion applied to the hub in between would otherwise be undone by that older read.
 *
 * Invariants:
 * - Only users with a read in flight are tracked: an entry exists from `begin` to its last `end`,
 *   so memory is bounded by the reads pending now, never by every (room, user) pair ever seen.
 * - For each tracked user, the LAST change per room wins (a join after a kick counts as a join).
 * - Hub events call `changed`/`roomGone` on every instance (local events and bus events alike).
 */
export interface MembershipWatch {
  /** Applies what changed since `begin` to the rooms read meanwhile; ends the watch. */
  end(roomIds: readonly string[]): string[];
  /** Ends the watch without a read (it failed). */
  cancel(): void;
}

interface Entry {
  /** room -> still a member (true: joined meanwhile; false: kicked, banned, left or room deleted). */
  changes: Map<string, boolean>;
}

export class MembershipWatches {
  private readonly users = new Map<string, Entry[]>();

  /** Starts watching before a read of the user's rooms. */
  begin(userId: string): MembershipWatch {
    const entry: Entry = { changes: new Map() };
    const list = this.users.get(userId);
    if (list) list.push(entry);
    else this.users.set(userId, [entry]);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      const left = (this.users.get(userId) ?? []).filter((e) => e !== entry);
      if (left.length) this.users.set(userId, left);
      else this.users.delete(userId);
    };
    return {
      end: (roomIds) => {
        finish();
        if (!entry.changes.size) return [...roomIds];
        const out = roomIds.filter((r) => entry.changes.get(r) !== false);
        for (const [roomId, member] of entry.changes) if (member && !out.includes(roomId)) out.push(roomId);
        return out;
      },
      cancel: finish,
    };
  }

  /** The user joined (true) or was removed from (false) the room. */
  changed(userId: string, roomId: string, member: boolean): void {
    for (const entry of this.users.get(userId) ?? []) entry.changes.set(roomId, member);
  }

  /** The room was deleted: nobody is a member any more. */
  roomGone(roomId: string): void {
    for (const list of this.users.values()) for (const entry of list) entry.changes.set(roomId, false);
  }

  /** Users with a read in flight (for tests and metrics). */
  get size(): number {
    return this.users.size;
  }
}
