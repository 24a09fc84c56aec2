import { describe, expect, it } from 'vitest';
import { USER_V2 } from './test-fixtures';
import { listboxKey, moveActive } from './listbox';
import { complete, mentionAt, suggest } from './mention-complete';
import type { Member } from './wire';

const member = (username: string, id = `u-${username}`): Member => ({
  user: { id, username, ...USER_V2, avatarUrl: null, createdAt: '2026-01-01T00:00:00.000Z' },
  role: 'member',
  online: false,
  joinedAt: '2026-01-01T00:00:00.000Z',
});
const members = ['bob', 'alice', 'Albert', 'carla', 'zal'].map((n) => member(n));

describe('mention autocomplete', () => {
  it('finds the @word under the caret, not in e-mail addresses', () => {
    expect(mentionAt('hi @al', 6)).toEqual({ start: 3, query: 'al' });
    expect(mentionAt('@', 1)).toEqual({ start: 0, query: '' });
    expect(mentionAt('hi @al there', 6)).toEqual({ start: 3, query: 'al' });
    expect(mentionAt('me@al', 5)).toBeNull();
    expect(mentionAt('hi al', 5)).toBeNull();
    expect(mentionAt('@al x', 5)).toBeNull();
  });

  it('suggests prefix matches first, then substring matches, never the writer', () => {
    expect(suggest(members, 'al', 'u-alice', 'member').map((s) => s.name)).toEqual(['Albert', 'zal']);
    expect(suggest(members, 'AL', undefined, 'member').map((s) => s.name)).toEqual(['Albert', 'alice', 'zal']);
    expect(suggest(members, '', undefined, 'member')).toHaveLength(5);
    expect(suggest(members, 'x', undefined, 'member')).toEqual([]);
  });

  it('carries each member (for the avatar), and none for @room', () => {
    const [room, first] = suggest(members, '', undefined, 'owner');
    expect(room!.user).toBeUndefined();
    expect(first!.user).toBe(members.find((m) => m.user.username === first!.name)!.user);
  });

  it('offers @room to owners and moderators only', () => {
    expect(suggest(members, 'r', undefined, 'moderator')[0]!.name).toBe('room');
    expect(suggest(members, 'r', undefined, 'member').some((s) => s.name === 'room')).toBe(false);
  });

  it('completes with a trailing space and puts the caret after it', () => {
    expect(complete('hi @al', { start: 3, query: 'al' }, 6, 'alice')).toEqual({ text: 'hi @alice ', caret: 10 });
    expect(complete('hi @al there', { start: 3, query: 'al' }, 6, 'alice')).toEqual({ text: 'hi @alice there', caret: 10 });
  });

  it('moves the active option with wrapping', () => {
    expect(moveActive(0, 1, 3)).toBe(1);
    expect(moveActive(2, 1, 3)).toBe(0);
    expect(moveActive(0, -1, 3)).toBe(2);
    expect(moveActive(0, 1, 0)).toBe(-1);
    expect(moveActive(-1, 1, 3)).toBe(0);
    expect(moveActive(-1, -1, 3)).toBe(2);
  });

  it('maps keys: arrows move, Enter and Tab pick, Escape closes, other keys stay in the field', () => {
    expect(listboxKey('ArrowDown', 0, 3, { tabPicks: true })).toEqual({ kind: 'move', active: 1 });
    expect(listboxKey('Enter', 1, 3)).toEqual({ kind: 'pick' });
    expect(listboxKey('Tab', 1, 3, { tabPicks: true })).toEqual({ kind: 'pick' });
    expect(listboxKey('Tab', 1, 3)).toBeNull();
    expect(listboxKey('Escape', 1, 3)).toEqual({ kind: 'close' });
    expect(listboxKey('a', 1, 3)).toBeNull();
    // In a grid of 4 columns, down moves a row.
    expect(listboxKey('ArrowDown', 1, 12, { columns: 4 })).toEqual({ kind: 'move', active: 5 });
    expect(listboxKey('ArrowLeft', 0, 12, { columns: 4 })).toEqual({ kind: 'move', active: 11 });
  });
});
