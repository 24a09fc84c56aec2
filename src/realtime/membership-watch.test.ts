import { describe, expect, it } from 'vitest';
import { MembershipWatches } from './membership-watch.js';

describe('membership watches', () => {
  it('a kick, leave or deletion during the read removes the room; a join adds it; the last change wins', () => {
    const w = new MembershipWatches();
    const a = w.begin('u1');
    w.changed('u1', 'r1', false);
    w.changed('u1', 'r3', true);
    w.roomGone('r2');
    w.changed('u1', 'r4', false);
    w.changed('u1', 'r4', true);
    w.changed('u2', 'r5', false); // another user: no effect
    expect(a.end(['r1', 'r2', 'r5'])).toEqual(['r5', 'r3', 'r4']);
  });

  it('tracks only users with a read in flight, and forgets them when it ends', () => {
    const w = new MembershipWatches();
    w.changed('u1', 'r1', false);
    const a = w.begin('u1');
    const b = w.begin('u1');
    expect(w.size).toBe(1);
    expect(a.end(['r1'])).toEqual(['r1']); // the change before begin is not this read's business
    w.changed('u1', 'r1', false);
    expect(w.size).toBe(1);
    b.cancel();
    expect(w.size).toBe(0);
    w.roomGone('r1');
    expect(w.size).toBe(0);
  });
});
