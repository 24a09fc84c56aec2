import { describe, expect, it } from 'vitest';
import { badgeCount, formatDay, plural, typingLine } from './format';

describe('typingLine', () => {
  it('names one or two people and summarises more', () => {
    expect(typingLine([])).toBe('');
    expect(typingLine(['alice'])).toBe('alice is typing…');
    expect(typingLine(['alice', 'bob'])).toBe('alice and bob are typing…');
    expect(typingLine(['alice', 'bob', 'carol'])).toBe('several people are typing…');
  });
});

describe('formatDay', () => {
  it('says Today and Yesterday', () => {
    const now = new Date(2026, 5, 10, 15, 0);
    expect(formatDay(new Date(2026, 5, 10, 1, 0).toISOString(), now)).toBe('Today');
    expect(formatDay(new Date(2026, 5, 9, 23, 0).toISOString(), now)).toBe('Yesterday');
    expect(formatDay(new Date(2026, 5, 1, 23, 0).toISOString(), now)).not.toMatch(/Today|Yesterday/);
  });
});

describe('plural', () => {
  it('picks the form', () => {
    expect(plural(1, 'member')).toBe('1 member');
    expect(plural(3, 'member')).toBe('3 members');
  });
});

describe('badgeCount', () => {
  it('shows 99+ past the cap', () => {
    expect(badgeCount(7)).toBe('7');
    expect(badgeCount(99)).toBe('99');
    expect(badgeCount(100)).toBe('99+');
  });
});
