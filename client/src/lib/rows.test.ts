import { describe, expect, it } from 'vitest';
import { buildRows } from './rows';
import type { Message, User } from './wire';
import { newMessageState } from '../../../src/protocol-constants';

const alice: User = { id: 'a', username: 'alice', displayName: null, avatarUrl: null, isGuest: false, createdAt: '2026-01-01T00:00:00.000Z' };
const bob: User = { id: 'b', username: 'bob', displayName: null, avatarUrl: null, isGuest: false, createdAt: '2026-01-01T00:00:00.000Z' };
const at = (day: number, minute: number) => new Date(2026, 0, day, 12, minute).toISOString();
const msg = (seq: number, author: User, createdAt: string): Message => ({
  id: String(seq),
  roomId: 'r',
  seq,
  clientMsgId: `c${seq}`,
  author,
  body: 'x',
  createdAt,
  ...newMessageState(),
});

describe('buildRows', () => {
  it('groups by author and day, and marks the first unread', () => {
    const rows = buildRows({
      messages: [msg(1, alice, at(1, 0)), msg(2, alice, at(1, 1)), msg(3, bob, at(1, 2)), msg(4, bob, at(2, 0))],
      pending: [{ clientMsgId: 'p', roomId: 'r', body: 'y', createdAt: at(2, 1), status: 'pending' }],
      me: alice,
      hasMore: false,
      unreadAfterSeq: 2,
    });
    expect(rows.map((r) => (r.kind === 'message' ? `m${r.message.seq}${r.head ? 'h' : ''}` : r.kind))).toEqual([
      'start',
      'day',
      'm1h',
      'm2',
      'unread',
      'm3h',
      'day',
      'm4h',
      'pending',
    ]);
    const pending = rows.at(-1)!;
    expect(pending.kind === 'pending' && pending.head).toBe(true);
    // Keys are stable between a pending row and its acked message.
    expect(pending.key).toBe('a:p');
  });

  it('starts with a loader while older pages exist and breaks groups after 5 minutes', () => {
    const rows = buildRows({
      messages: [msg(1, bob, at(1, 0)), msg(2, bob, at(1, 10))],
      pending: [],
      me: alice,
      hasMore: true,
      unreadAfterSeq: null,
    });
    expect(rows[0]!.kind).toBe('loader');
    expect(rows.filter((r) => r.kind === 'message' && r.head)).toHaveLength(2);
  });
});
