/**
 * The newest log events of the rooms watched here, as this instance delivered them, so that a
 * subscriber resuming after a short drop (a reconnect storm after a deploy or a network blip) is
 * replayed from memory instead of the database.
 *
 * Invariants:
 * - A room's entries are consecutive seqs in ascending order, exactly the frames its subscribers
 *   got; an event that does not follow the newest one starts the room's entries afresh.
 * - `after` answers only what is certainly the whole log from `after` to at least `upTo` (the
 *   room's last seq the subscriber has read): the entries reach back to `after + 1` and forward
 *   to `upTo`. Otherwise null, and the database is asked. Events past the newest entry that were
 *   committed but not yet delivered here reach the subscription's buffer (it is registered before
 *   `upTo` is read); one skipped without subscribers leaves the entries short of `upTo`.
 * - Replay from the database sends messages as created, a deleted one as its tombstone, and
 *   authors as they are now: a range holding a deletion, a profile change since, or entries older
 *   than RECENT_MAX_AGE_MS is left to the database.
 * - Bounded: RECENT_PER_ROOM entries per room; a room without subscribers keeps its entries for
 *   RECENT_LINGER_MS (its subscribers' reconnects find them), then they go.
 */
import type { OutFrame } from './socket-writer.js';

export const RECENT_PER_ROOM = 128;
export const RECENT_LINGER_MS = 30_000;
export const RECENT_MAX_AGE_MS = 10 * 60_000;

export interface RecentEntry {
  seq: number;
  frame: OutFrame;
}

interface Entry extends RecentEntry {
  at: number;
  deletion: boolean;
}

interface RoomLog {
  entries: Entry[];
  linger: NodeJS.Timeout | null;
}

export class RecentLog {
  private readonly rooms = new Map<string, RoomLog>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Whether the room's deliveries are kept (it has, or recently had, subscribers here). */
  holds(roomId: string): boolean {
    return this.rooms.has(roomId);
  }

  /** The room's last subscriber here left: its entries go after RECENT_LINGER_MS unless one comes back. */
  unwatched(roomId: string): void {
    const room = this.rooms.get(roomId);
    if (!room || room.linger) return;
    room.linger = setTimeout(() => this.rooms.delete(roomId), RECENT_LINGER_MS);
    room.linger.unref();
  }

  /**
   * A delivered log event, in seq order per room: kept when the room has subscribers here
   * (`watched`: its entries start or go on) or recently had them.
   */
  append(roomId: string, seq: number, out: OutFrame, deletion: boolean, watched: boolean): void {
    let room = this.rooms.get(roomId);
    if (!room) {
      if (!watched) return;
      this.rooms.set(roomId, (room = { entries: [], linger: null }));
    } else if (watched && room.linger) {
      clearTimeout(room.linger);
      room.linger = null;
    }
    const newest = room.entries.at(-1);
    if (newest && seq <= newest.seq) return;
    if (newest && seq !== newest.seq + 1) room.entries = [];
    room.entries.push({ seq, frame: out, at: this.now(), deletion });
    if (room.entries.length > RECENT_PER_ROOM) room.entries.shift();
  }

  /** The events after `after` (through at least `upTo`), or null when the database must answer. */
  after(roomId: string, after: number, upTo: number): RecentEntry[] | null {
    const entries = this.rooms.get(roomId)?.entries;
    if (!entries?.length) return null;
    const first = entries[0]!.seq;
    if (after + 1 < first || entries.at(-1)!.seq < upTo) return null;
    const from = Math.max(0, after + 1 - first);
    const out = entries.slice(from);
    const oldest = this.now() - RECENT_MAX_AGE_MS;
    if (out.some((e) => e.deletion || e.at < oldest)) return null;
    return out;
  }

  /** A profile changed (authors in kept frames are as they were): everything is forgotten. */
  forgetAll(): void {
    for (const room of this.rooms.values()) room.entries = [];
  }

  /** The room is gone. */
  drop(roomId: string): void {
    const room = this.rooms.get(roomId);
    if (room?.linger) clearTimeout(room.linger);
    this.rooms.delete(roomId);
  }

  close(): void {
    for (const roomId of [...this.rooms.keys()]) this.drop(roomId);
  }
}
