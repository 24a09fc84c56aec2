import { describe, expect, it } from 'vitest';
import { lastSeqOf, mergeMessages } from './timeline';
import type { Message } from './wire';
import { newMessageState } from '../../../src/protocol-constants';

const msg = (seq: number, body = `m${seq}`): Message => ({
  id: String(seq),
  roomId: 'r',
  seq,
  clientMsgId: `c${seq}`,
  author: { id: 'u', username: 'alice', displayName: null, avatarUrl: null, isGuest: false, createdAt: '2026-01-01T00:00:00.000Z' },
  body,
  createdAt: '2026-01-01T00:00:00.000Z',
  ...newMessageState(),
});
const seqs = (list: Message[]) => list.map((m) => m.seq);

describe('mergeMessages', () => {
  it('appends, prepends and interleaves in seq order', () => {
    const base = [msg(5), msg(6), msg(7)];
    expect(seqs(mergeMessages(base, [msg(8), msg(9)]))).toEqual([5, 6, 7, 8, 9]);
    expect(seqs(mergeMessages(base, [msg(3), msg(4)]))).toEqual([3, 4, 5, 6, 7]);
    expect(seqs(mergeMessages([msg(1), msg(4)], [msg(3), msg(2)]))).toEqual([1, 2, 3, 4]);
  });

  it('never duplicates: replays and acks of held messages change nothing', () => {
    const base = [msg(1), msg(2), msg(3)];
    expect(mergeMessages(base, [msg(2), msg(3)])).toBe(base);
    expect(seqs(mergeMessages(base, [msg(3), msg(4), msg(4)]))).toEqual([1, 2, 3, 4]);
    expect(seqs(mergeMessages([], [msg(2), msg(1), msg(2)]))).toEqual([1, 2]);
  });

  it('keeps the existing objects', () => {
    const held = msg(2, 'held');
    const out = mergeMessages([msg(1), held], [msg(2, 'other'), msg(3)]);
    expect(out[1]).toBe(held);
  });

  it('reports the last seq', () => {
    expect(lastSeqOf([])).toBeNull();
    expect(lastSeqOf([msg(1), msg(9)])).toBe(9);
  });
});
