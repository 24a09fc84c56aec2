import { describe, expect, it } from 'vitest';
import type { Connection } from './connection.js';
import { RoomRegistry } from './room-registry.js';
import { SubscriptionMap } from './subscription-map.js';
import { Subscription } from './subscription.js';

function conn(userId: string, sessionId: string): Connection {
  return { user: { id: userId }, sessionId, subs: new SubscriptionMap() } as unknown as Connection;
}

describe('RoomRegistry', () => {
  it('tracks one, two, then one connection of a user and a session, and forgets them when the last goes', () => {
    const emptied: string[] = [];
    const reg = new RoomRegistry((roomId) => emptied.push(roomId));
    const a = conn('u1', 's1');
    const b = conn('u1', 's1');
    const c = conn('u2', 's2');
    reg.add(a);
    expect([...(reg.connectionsOfUser('u1') ?? [])]).toEqual([a]);
    reg.add(b);
    reg.add(b); // twice: still once
    reg.add(c);
    expect(new Set(reg.connectionsOfUser('u1'))).toEqual(new Set([a, b]));
    expect([...(reg.connectionsOfSession('s1') ?? [])]).toHaveLength(2);
    expect(new Set(reg.all())).toEqual(new Set([a, b, c]));
    reg.subscribe(a, 'r1', new Subscription());
    reg.subscribe(b, 'r1', new Subscription());
    reg.remove(a);
    expect([...(reg.connectionsOfUser('u1') ?? [])]).toEqual([b]);
    expect([...(reg.connectionsOfSession('s1') ?? [])]).toEqual([b]);
    expect(reg.subscribers('r1')).toEqual(new Set([b]));
    expect(emptied).toEqual([]);
    reg.remove(b);
    expect(reg.connectionsOfUser('u1')).toBeUndefined();
    expect(reg.connectionsOfSession('s1')).toBeUndefined();
    expect(reg.subscribers('r1')).toBeUndefined();
    expect(emptied).toEqual(['r1']);
    expect(reg.sessionIds()).toEqual(['s2']);
    expect([...reg.all()]).toEqual([c]);
  });
});
