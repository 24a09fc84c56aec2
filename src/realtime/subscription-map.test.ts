import { describe, expect, it } from 'vitest';
import type { Subscription } from './subscription.js';
import { SubscriptionMap } from './subscription-map.js';

const sub = (name: string) => ({ name }) as unknown as Subscription;

describe('SubscriptionMap', () => {
  it('answers like a Map through one, two and back to none', () => {
    const m = new SubscriptionMap();
    const [a, b, c] = [sub('a'), sub('b'), sub('c')];
    expect(m.size).toBe(0);
    expect(m.get('r1')).toBeUndefined();
    m.set('r1', a);
    expect([m.size, m.get('r1'), m.has('r1'), m.has('r2')]).toEqual([1, a, true, false]);
    m.set('r1', c); // replacing the single entry keeps one
    expect([m.size, m.get('r1')]).toEqual([1, c]);
    m.set('r2', b);
    expect([m.size, m.get('r1'), m.get('r2')]).toEqual([2, c, b]);
    expect(m.keys()).toEqual(['r1', 'r2']);
    expect(m.delete('r1')).toBe(true);
    expect(m.delete('r1')).toBe(false);
    expect([m.size, m.has('r1'), m.get('r2')]).toEqual([1, false, b]);
    m.set('r3', a);
    expect(m.keys()).toEqual(['r2', 'r3']);
    m.clear();
    expect([m.size, m.keys(), m.get('r2')]).toEqual([0, [], undefined]);
  });

  it('deletes only the key it holds, and keys() is a snapshot safe to delete through', () => {
    const m = new SubscriptionMap();
    m.set('r1', sub('a'));
    expect(m.delete('r2')).toBe(false);
    expect(m.size).toBe(1);
    m.set('r2', sub('b'));
    for (const k of m.keys()) m.delete(k);
    expect(m.size).toBe(0);
  });
});
