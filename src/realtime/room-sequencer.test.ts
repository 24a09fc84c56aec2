import { describe, expect, it } from 'vitest';
import type { Message } from '../protocol.js';
import { RoomSequencer, type SequencerDeps } from './room-sequencer.js';
import { newMessageState } from '../protocol-constants.js';

const ROOM = 'room-1';
const author = { id: 'u1', username: 'u1', displayName: null, avatarUrl: null, isGuest: false, createdAt: '2026-01-01T00:00:00.000Z' };
const msg = (seq: number): Message => ({
  id: String(seq),
  roomId: ROOM,
  seq,
  clientMsgId: `c${seq}`,
  author,
  body: `m${seq}`,
  ...newMessageState(),
  createdAt: '2026-01-01T00:00:00.000Z',
});
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

/** A sequencer over a fake database holding seqs 1..`stored` (grow it with `db.stored = n`). */
function setup(opts: { stored: number; subscribers?: boolean; failFetches?: number; ownCommits?: () => Promise<void> | undefined }) {
  const delivered: { seq: number; origin: unknown; fromDb: boolean }[] = [];
  const waits: number[] = [];
  const fetches: number[] = [];
  const db = { stored: opts.stored, failures: opts.failFetches ?? 0 };
  const fromDb = new Set<Message>();
  const deps: SequencerDeps<Message> = {
    async fetchAfter(_roomId, after, limit) {
      fetches.push(after);
      await tick();
      if (db.failures > 0) {
        db.failures--;
        throw new Error('database down');
      }
      const messages: Message[] = [];
      for (let s = after + 1; s <= Math.min(db.stored, after + limit); s++) {
        const m = msg(s);
        fromDb.add(m);
        messages.push(m);
      }
      return { events: messages, hasMore: after + limit < db.stored };
    },
    deliver: (m, origin) => delivered.push({ seq: m.seq, origin, fromDb: fromDb.has(m) }),
    hasSubscribers: () => opts.subscribers ?? true,
    onFillError: () => undefined,
    ownCommits: opts.ownCommits,
    gapWaitMs: 5,
    onWaited: (ms) => waits.push(ms),
  };
  const seq = new RoomSequencer<Message>(ROOM, deps);
  return { seq, delivered, fetches, db, waits, seqs: () => delivered.map((d) => d.seq) };
}

describe('RoomSequencer', () => {
  it('delivers contiguous messages at once, without touching the database', () => {
    const t = setup({ stored: 3 });
    t.seq.start(0);
    for (const s of [1, 2, 3]) t.seq.offer(msg(s));
    expect(t.seqs()).toEqual([1, 2, 3]);
    expect(t.fetches).toEqual([]);
    expect(t.waits).toEqual([]);
  });

  it('reorders messages that arrive out of order within the wait, without a fill', async () => {
    const t = setup({ stored: 4 });
    t.seq.start(0);
    t.seq.offer(msg(2));
    t.seq.offer(msg(4));
    expect(t.seqs()).toEqual([]);
    t.seq.offer(msg(1));
    t.seq.offer(msg(3));
    expect(t.seqs()).toEqual([1, 2, 3, 4]);
    await tick(20);
    expect(t.fetches).toEqual([]);
    // 2 and 4 waited (for 1, for 3); 1 and 3 went out as they came.
    expect(t.waits).toHaveLength(2);
  });

  it('reports how long each held event waited, up to its delivery by a fill too', async () => {
    const t = setup({ stored: 3 });
    t.seq.start(0);
    t.seq.offer(msg(2));
    t.seq.offer(msg(3));
    await tick(30); // the gap at 1 is filled from the database after gapWaitMs: 2 and 3 were held
    expect(t.seqs()).toEqual([1, 2, 3]);
    expect(t.fetches).toEqual([0]);
    expect(t.waits).toHaveLength(2);
    for (const w of t.waits) expect(w).toBeGreaterThanOrEqual(4);
  });

  it('fills a gap from the database, then goes on with what the bus brought', async () => {
    const t = setup({ stored: 7 });
    t.seq.start(2);
    t.seq.offer(msg(6));
    t.seq.offer(msg(7));
    await tick(30);
    expect(t.seqs()).toEqual([3, 4, 5, 6, 7]);
    expect(t.delivered.filter((d) => d.fromDb).map((d) => d.seq)).toEqual([3, 4, 5]);
    expect(t.fetches).toEqual([2]);
    // A late copy of a filled message is dropped.
    t.seq.offer(msg(4));
    expect(t.seqs()).toEqual([3, 4, 5, 6, 7]);
  });

  it('drops duplicates but still acks the sender of a message a fill delivered first', async () => {
    const origin = { conn: 'sender', ack: () => undefined };
    const t = setup({ stored: 3 });
    t.seq.start(0);
    t.seq.offer(msg(3)); // another instance's message overtook ours
    await tick(30);
    expect(t.seqs()).toEqual([1, 2, 3]);
    t.seq.offer(msg(2), origin); // our own commit of seq 2, late
    expect(t.delivered.at(-1)).toMatchObject({ seq: 2, origin });
    t.seq.offer(msg(3)); // a bus duplicate without a sender: nothing
    expect(t.delivered).toHaveLength(4);
  });

  it('lets a fill wait for our own commits still on their way, so their sender gets only the ack', async () => {
    const origin = { conn: 'sender', ack: () => undefined };
    let committed!: () => void;
    const inFlight = new Promise<void>((resolve) => (committed = resolve));
    let storing = true;
    const t = setup({ stored: 3, ownCommits: () => (storing ? inFlight : undefined) });
    t.seq.start(1);
    t.seq.offer(msg(3)); // another instance's message: a gap at 2, filled from the database
    await tick(30);
    expect(t.delivered).toEqual([]); // the fill found 2 and 3 but waits: 2 is ours, not offered yet
    t.seq.offer(msg(2), origin); // our writer's commit of 2 arrives
    storing = false;
    committed();
    await tick(10);
    expect(t.delivered).toEqual([
      { seq: 2, origin, fromDb: false },
      { seq: 3, origin: undefined, fromDb: false },
    ]);
  });

  it('keeps the sender when its own commit and a bus copy both wait in the gap', async () => {
    const origin = { conn: 'sender', ack: () => undefined };
    const t = setup({ stored: 3 });
    t.seq.start(1);
    t.seq.offer(msg(3), origin);
    t.seq.offer(msg(3));
    t.seq.offer(msg(2));
    expect(t.delivered).toEqual([
      { seq: 2, origin: undefined, fromDb: false },
      { seq: 3, origin, fromDb: false },
    ]);
  });

  it('buffers until started, then delivers only what is past the start', () => {
    const origin = { conn: 'sender', ack: () => undefined };
    const t = setup({ stored: 5 });
    t.seq.offer(msg(5));
    t.seq.offer(msg(4), origin);
    expect(t.seqs()).toEqual([]);
    t.seq.start(4);
    // 4 is before the start: only its sender's ack goes out (the hub drops it for subscribers).
    expect(t.delivered).toEqual([
      { seq: 4, origin, fromDb: false },
      { seq: 5, origin: undefined, fromDb: false },
    ]);
  });

  it('fills across several pages', async () => {
    const t = setup({ stored: 1203 });
    t.seq.start(0);
    t.seq.offer(msg(1203));
    await tick(60);
    expect(t.seqs()).toEqual(Array.from({ length: 1203 }, (_, i) => i + 1));
    expect(t.fetches).toEqual([0, 500, 1000]);
  });

  it('resync catches up after an outage even when nothing new arrives', async () => {
    const t = setup({ stored: 2 });
    t.seq.start(2);
    t.db.stored = 9; // committed elsewhere while the bus was down
    await t.seq.resync();
    expect(t.seqs()).toEqual([3, 4, 5, 6, 7, 8, 9]);
    await t.seq.resync();
    expect(t.seqs()).toHaveLength(7);
  });

  it('retries a fill that failed, and loses nothing', async () => {
    const t = setup({ stored: 4, failFetches: 2 });
    t.seq.start(0);
    t.seq.offer(msg(4));
    await tick(1200);
    expect(t.seqs()).toEqual([1, 2, 3, 4]);
    expect(t.fetches.length).toBe(3);
  });

  it('skips a gap nobody here would see, still in order', async () => {
    const origin = { conn: 'http', ack: () => undefined };
    const t = setup({ stored: 10, subscribers: false });
    t.seq.start(1);
    t.seq.offer(msg(9), origin);
    t.seq.offer(msg(10));
    await tick(30);
    expect(t.delivered.map((d) => d.seq)).toEqual([9, 10]);
    expect(t.delivered[0]!.origin).toBe(origin);
    expect(t.fetches).toEqual([]);
  });

  it('hands over what is pending when closed', () => {
    const origin = { conn: 'sender', ack: () => undefined };
    const t = setup({ stored: 5 });
    t.seq.start(0);
    t.seq.offer(msg(3), origin);
    t.seq.offer(msg(2));
    t.seq.close();
    expect(t.delivered.map((d) => [d.seq, d.origin])).toEqual([
      [2, undefined],
      [3, origin],
    ]);
  });
});
