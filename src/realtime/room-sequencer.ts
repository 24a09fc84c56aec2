/**
 * In-order, gap-free delivery of one room's log events (messages, edits, deletions, reactions:
 * anything with a seq) on one instance when they arrive from several places: this instance's own commits, other instances' publications on the bus (at most
 * once, and in no particular order between publishers), and Postgres.
 *
 * The sequencer keeps `cursor`, the highest seq handed to the hub for the room. A message at
 * cursor+1 is delivered at once; a later one waits in `pending`. A gap that is still open after
 * GAP_WAIT_MS (the missing message usually arrives a moment later from another publisher) is
 * filled from Postgres, where every seq below a committed one is already committed (the room row
 * lock makes commit order equal seq order). A message at or below the cursor was delivered
 * already: only its sender's ack is still owed, and the hub drops the copy for everyone else.
 * Every event that had to wait for earlier seqs is reported with its wait (`onWaited`), so what
 * cross-instance ordering adds to a delivery shows in /metrics.
 */
import type { AckTarget } from './ack-target.js';
import type { LogEvent } from './log-event.js';

/** What the sequencer orders: anything with a room-log seq. */
export interface Sequenced {
  seq: number;
}

/** How long a seq gap may stay open before it is filled from the database. */
export const GAP_WAIT_MS = 40;
/** Page size of a fill. */
export const FILL_PAGE = 500;

export interface SequencerDeps<T extends Sequenced = LogEvent> {
  /** Events after `after` in ascending seq (the room log, room-log repository `eventsAfter`). */
  fetchAfter(roomId: string, after: number, limit: number): Promise<{ events: T[]; hasMore: boolean }>;
  /** Hands an event to the hub; `origin` is the sending connection when it was sent here. */
  deliver(event: T, origin: AckTarget | undefined): void;
  /** Whether anyone here is subscribed: without subscribers a gap is skipped, not filled. */
  hasSubscribers(roomId: string): boolean;
  onFillError(err: unknown, roomId: string): void;
  /** Resolves once this instance's own commits of the room that are still on their way have been offered. */
  ownCommits?(roomId: string): Promise<void> | undefined;
  gapWaitMs?: number;
  /** An event that waited here for earlier seqs is delivered after `ms` (metrics: ordering waits). */
  onWaited?(ms: number): void;
}

interface Entry<T> {
  event: T;
  origin: AckTarget | undefined;
  /** When it was offered (performance.now()). */
  at: number;
}

export class RoomSequencer<T extends Sequenced = LogEvent> {
  /** Highest seq delivered; null until `start`. */
  cursor: number | null = null;
  private readonly pending = new Map<number, Entry<T>>();
  private filling = false;
  private fillAgain = false;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** After a failed fill the next attempt waits longer, so a database outage is not hammered. */
  private failedFills = 0;
  /** Messages fetched from the database by fills (for tests and the recovery log). */
  filled = 0;

  constructor(
    readonly roomId: string,
    private readonly deps: SequencerDeps<T>,
  ) {}

  /** Begins delivering after `lastSeq`; what arrived before is delivered (or acked) now. */
  start(lastSeq: number): void {
    if (this.cursor !== null) return;
    this.cursor = lastSeq;
    const early = [...this.pending.values()].sort((a, b) => a.event.seq - b.event.seq);
    this.pending.clear();
    for (const e of early) this.offer(e.event, e.origin);
  }

  /** A committed message from anywhere; `origin` is set for this instance's own commits. */
  offer(event: T, origin?: AckTarget): void {
    if (this.closed) {
      this.deps.deliver(event, origin);
      return;
    }
    const seq = event.seq;
    if (this.cursor !== null && seq <= this.cursor) {
      // Already delivered (by a fill or the bus): the sender still needs its ack.
      if (origin !== undefined) this.deps.deliver(event, origin);
      return;
    }
    const existing = this.pending.get(seq);
    let offered = existing;
    if (!existing || (existing.origin === undefined && origin !== undefined)) {
      offered = { event, origin, at: existing?.at ?? performance.now() };
      this.pending.set(seq, offered);
    }
    this.drain(true, offered);
  }

  /** After a bus outage: whatever was committed past the cursor is fetched and delivered. */
  resync(): Promise<void> {
    if (this.cursor === null || this.closed) return Promise.resolve();
    return this.fill(true);
  }

  /** Stops waiting: anything pending is handed over in seq order (acks are never lost). */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const rest = [...this.pending.values()].sort((a, b) => a.event.seq - b.event.seq);
    this.pending.clear();
    for (const e of rest) this.deps.deliver(e.event, e.origin);
  }

  /**
   * Delivers what is contiguous after the cursor. With `scheduleFill` (the default), a gap still
   * open behind it gets a fill timer; a fill in progress passes false, it continues by itself.
   * `offered` is the entry just offered (delivered without waiting, if it is next).
   */
  private drain(scheduleFill = true, offered?: Entry<T>): void {
    if (this.cursor === null) return;
    for (;;) {
      const next = this.pending.get(this.cursor + 1);
      if (!next) break;
      this.pending.delete(this.cursor + 1);
      this.cursor++;
      if (next !== offered) this.waited(next);
      this.deps.deliver(next.event, next.origin);
    }
    if (!scheduleFill) return;
    if (this.pending.size === 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      return;
    }
    if (!this.timer && !this.filling) {
      this.timer = setTimeout(() => {
        // Timers run before pending I/O is read: let a busy loop read what the bus already
        // brought before deciding the gap is real.
        setImmediate(() => {
          this.timer = null;
          void this.fill(false);
        });
      }, this.failedFills ? Math.min(5000, 250 * 2 ** (this.failedFills - 1)) : (this.deps.gapWaitMs ?? GAP_WAIT_MS));
      this.timer.unref();
    }
  }

  private waited(entry: Entry<T>): void {
    this.deps.onWaited?.(performance.now() - entry.at);
  }

  /** Fetches from the cursor until the gap is closed (or, with `toEnd`, until the end of the room). */
  private async fill(toEnd: boolean): Promise<void> {
    if (!toEnd && this.pending.size === 0) return; // the bus closed the gap meanwhile
    if (this.filling) {
      this.fillAgain ||= toEnd;
      return;
    }
    this.filling = true;
    try {
      if (!toEnd && !this.deps.hasSubscribers(this.roomId)) {
        // Nobody here to deliver to: jump the gap (acks of our own sends still go out in order).
        const lowest = Math.min(...this.pending.keys());
        this.cursor = lowest - 1;
        return;
      }
      for (;;) {
        if (this.closed || this.cursor === null) return;
        if (!toEnd && this.pending.size === 0) return;
        const page = await this.deps.fetchAfter(this.roomId, this.cursor, FILL_PAGE);
        // Our own messages in the page may still be on their way to `offer` (the writer has not
        // seen its commit yet): wait for them, so their senders get an ack, not also a `message`.
        const own = this.deps.ownCommits?.(this.roomId);
        if (own) await own;
        let progressed = false;
        for (const m of page.events) {
          if (this.closed || this.cursor === null) return;
          if (m.seq <= this.cursor) continue;
          if (m.seq !== this.cursor + 1) break; // not visible yet: try again shortly
          const held = this.pending.get(m.seq);
          this.pending.delete(m.seq);
          this.cursor = m.seq;
          this.filled++;
          if (held) this.waited(held);
          progressed = true;
          this.deps.deliver(held?.event ?? m, held?.origin);
          // What the bus already brought continues the run without waiting for the next page.
          this.drain(false);
        }
        if (!page.hasMore || !progressed) break;
      }
      this.failedFills = 0;
    } catch (err) {
      this.failedFills = Math.min(this.failedFills + 1, 5);
      this.deps.onFillError(err, this.roomId);
    } finally {
      this.filling = false;
      const again = this.fillAgain;
      this.fillAgain = false;
      if (again) void this.fill(true);
      else this.drain();
    }
  }
}
