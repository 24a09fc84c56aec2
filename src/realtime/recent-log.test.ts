import { afterEach, describe, expect, it, vi } from 'vitest';
import { RECENT_LINGER_MS, RECENT_MAX_AGE_MS, RECENT_PER_ROOM, RecentLog } from './recent-log.js';
import { OutFrame } from './socket-writer.js';

const out = (seq: number) => new OutFrame(JSON.stringify({ seq }));
const seqs = (entries: { seq: number }[] | null) => entries && entries.map((e) => e.seq);

describe('RecentLog', () => {
  afterEach(() => vi.useRealTimers());

  it('keeps only rooms with subscribers, and answers a gap it holds whole', () => {
    const log = new RecentLog();
    log.append('r', 1, out(1), false, false); // nobody watches r yet: not kept
    expect(log.holds('r')).toBe(false);
    for (let s = 2; s <= 6; s++) log.append('r', s, out(s), false, true);
    expect(seqs(log.after('r', 3, 6))).toEqual([4, 5, 6]);
    expect(seqs(log.after('r', 1, 6))).toEqual([2, 3, 4, 5, 6]);
    expect(seqs(log.after('r', 6, 6))).toEqual([]);
    expect(log.after('r', 0, 6)).toBeNull(); // seq 1 was never kept
    expect(log.after('r', 3, 7)).toBeNull(); // 7 is committed but not here (yet, or skipped)
    expect(log.after('other', 0, 0)).toBeNull();
  });

  it('starts afresh after a hole, ignores repeats, and holds at most RECENT_PER_ROOM', () => {
    const log = new RecentLog();
    for (let s = 1; s <= 3; s++) log.append('r', s, out(s), false, true);
    log.append('r', 3, out(3), false, true);
    log.append('r', 5, out(5), false, true); // 4 never came
    expect(log.after('r', 2, 5)).toBeNull();
    expect(seqs(log.after('r', 4, 5))).toEqual([5]);
    for (let s = 6; s < 6 + RECENT_PER_ROOM + 10; s++) log.append('r', s, out(s), false, true);
    const newest = 5 + RECENT_PER_ROOM + 10;
    expect(log.after('r', newest - RECENT_PER_ROOM - 1, newest)).toBeNull();
    expect(log.after('r', newest - RECENT_PER_ROOM, newest)).toHaveLength(RECENT_PER_ROOM);
  });

  it('leaves a range with a deletion, or entries too old, to the database', () => {
    vi.useFakeTimers();
    const log = new RecentLog();
    for (let s = 1; s <= 4; s++) log.append('r', s, out(s), s === 3, true);
    expect(log.after('r', 1, 4)).toBeNull();
    expect(seqs(log.after('r', 3, 4))).toEqual([4]);
    vi.advanceTimersByTime(RECENT_MAX_AGE_MS + 1);
    expect(log.after('r', 3, 4)).toBeNull();
    log.append('r', 5, out(5), false, true);
    expect(seqs(log.after('r', 4, 5))).toEqual([5]);
    log.forgetAll();
    expect(log.after('r', 4, 5)).toBeNull();
  });

  it('a room without subscribers keeps its entries for RECENT_LINGER_MS, unless one comes back', () => {
    vi.useFakeTimers();
    const log = new RecentLog();
    log.append('r', 1, out(1), false, true);
    log.unwatched('r');
    log.append('r', 2, out(2), false, false); // still kept while it lingers
    vi.advanceTimersByTime(RECENT_LINGER_MS - 1);
    expect(seqs(log.after('r', 0, 2))).toEqual([1, 2]);
    log.append('r', 3, out(3), false, true); // a subscriber is back: no expiry
    vi.advanceTimersByTime(RECENT_LINGER_MS);
    expect(seqs(log.after('r', 0, 3))).toEqual([1, 2, 3]);
    log.unwatched('r');
    vi.advanceTimersByTime(RECENT_LINGER_MS);
    expect(log.holds('r')).toBe(false);
    log.append('r', 4, out(4), false, true);
    log.drop('r');
    expect(log.holds('r')).toBe(false);
  });
});
