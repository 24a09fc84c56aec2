import { describe, expect, it } from 'vitest';
import { ClusterPresence, pairKey } from './cluster-presence.js';

function setup() {
  const events: [string, string, boolean][] = [];
  const view = new ClusterPresence((roomId, userId, online) => events.push([roomId, userId, online]));
  return { view, events };
}

describe('ClusterPresence', () => {
  it('emits only when the first instance holds a user in a room and when the last one lets go', () => {
    const { view, events } = setup();
    view.set('A', 'r1', 'u1', true);
    view.set('B', 'r1', 'u1', true);
    view.set('A', 'r1', 'u1', true); // repeated: nothing
    expect(events).toEqual([['r1', 'u1', true]]);
    expect(view.onlineIn('r1')).toEqual(['u1']);
    view.set('A', 'r1', 'u1', false);
    expect(events).toHaveLength(1);
    expect(view.isOnline('u1')).toBe(true);
    view.set('B', 'r1', 'u1', false);
    expect(events).toEqual([
      ['r1', 'u1', true],
      ['r1', 'u1', false],
    ]);
    expect(view.onlineIn('r1')).toEqual([]);
    expect(view.isOnline('u1')).toBe(false);
  });

  it('replaces an instance snapshot with only the differences, and drops a dead instance', () => {
    const { view, events } = setup();
    view.set('A', 'r1', 'u1', true);
    view.set('B', 'r1', 'u2', true);
    view.set('B', 'r2', 'u2', true);
    events.length = 0;
    view.replaceInstance('B', [pairKey('r2', 'u2'), pairKey('r1', 'u1'), pairKey('r3', 'u3')]);
    expect(events).toEqual([
      ['r1', 'u2', false],
      ['r3', 'u3', true],
    ]);
    events.length = 0;
    view.dropInstance('B');
    expect(events.sort()).toEqual([
      ['r2', 'u2', false],
      ['r3', 'u3', false],
    ]);
    expect(view.onlineIn('r1')).toEqual(['u1']);
    expect(view.knownInstances()).toEqual(['A']);
  });
});
