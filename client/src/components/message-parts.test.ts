import { describe, expect, it } from 'vitest';
import { whoReacted } from './MessageParts';

describe('who reacted (the chip tooltip)', () => {
  const names: Record<string, string> = { a: 'alice', b: 'bob' };
  const nameOf = (id: string) => names[id];

  it('names the people, "you" for the reader', () => {
    expect(whoReacted({ emoji: '👍', count: 2, userIds: ['a', 'me'] }, nameOf, 'me')).toBe('alice, you reacted with 👍');
  });

  it('falls back to a count when someone is not known', () => {
    expect(whoReacted({ emoji: '🎉', count: 3, userIds: ['a', 'x', 'b'] }, nameOf, 'me')).toBe('3 people reacted with 🎉');
    expect(whoReacted({ emoji: '🎉', count: 1, userIds: ['x'] }, nameOf, 'me')).toBe('1 person reacted with 🎉');
  });

  it('lists at most ten names', () => {
    const many = Array.from({ length: 12 }, (_, i) => `u${i}`);
    const text = whoReacted({ emoji: '❤️', count: 12, userIds: many }, (id) => id, undefined);
    expect(text).toBe('u0, u1, u2, u3, u4, u5, u6, u7, u8, u9 and 2 more reacted with ❤️');
  });
});
