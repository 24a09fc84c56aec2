import { beforeEach, describe, expect, it } from 'vitest';
import { joinedRoom, USER_V2 } from '../lib/test-fixtures';
import type { Member, ServerFrame, User } from '../lib/wire';
import { createAppStore } from '../store';
import { createFrameHandlers, dispatchFrame, type FrameHandlers } from './frames';

/** `member {action:"role"}` frames: the members list badge and our own joined-room role follow at once. */
const T0 = '2026-01-01T00:00:00.000Z';
const me: User = { id: 'u-me', username: 'me', ...USER_V2, avatarUrl: null, createdAt: T0 };
const bob: User = { id: 'u-bob', username: 'bob', ...USER_V2, avatarUrl: null, createdAt: T0 };
const owner: User = { id: 'u-own', username: 'own', ...USER_V2, avatarUrl: null, createdAt: T0 };
const member = (user: User, role: Member['role']): Member => ({ user, role, online: true, joinedAt: T0 });

let store: ReturnType<typeof createAppStore>;
let handlers: FrameHandlers;

beforeEach(() => {
  store = createAppStore();
  store.getState().setUser(me);
  store.getState().setJoinedRooms([joinedRoom('r1', owner.id), joinedRoom('r2', owner.id)]);
  store.getState().setMembers('r1', [member(owner, 'owner'), member(me, 'member'), member(bob, 'member')]);
  const noop = () => {};
  handlers = createFrameHandlers({
    store,
    userId: me.id,
    outbox: { acked: noop, refused: () => false, flush: noop },
    history: { loadLatest: async () => {}, refreshRooms: async () => {} },
    reads: { confirmed: noop },
    connected: noop,
    outdated: noop,
  });
});

const roleFrame = (roomId: string, user: User, role: Member['role']): ServerFrame => ({ type: 'member', roomId, action: 'role', user, role });
const roles = (roomId: string) => Object.fromEntries((store.getState().members[roomId] ?? []).map((m) => [m.user.username, m.role]));

describe('member role frames', () => {
  it("our own promotion changes the joined room's role (moderator controls) and our badge, and says so", () => {
    dispatchFrame(handlers, roleFrame('r1', me, 'moderator'));
    const s = store.getState();
    expect(s.rooms.r1!.role).toBe('moderator');
    expect(s.rooms.r2!.role).toBe('member');
    expect(roles('r1')).toEqual({ own: 'owner', me: 'moderator', bob: 'member' });
    expect(s.toasts.map((t) => t.text)).toContain('You are now a moderator of Room r1');
    dispatchFrame(handlers, roleFrame('r1', me, 'member'));
    expect(store.getState().rooms.r1!.role).toBe('member');
  });

  it("someone else's new role changes only their badge, not our role nor the member count", () => {
    dispatchFrame(handlers, roleFrame('r1', bob, 'moderator'));
    const s = store.getState();
    expect(roles('r1')).toEqual({ own: 'owner', me: 'member', bob: 'moderator' });
    expect(s.rooms.r1!.role).toBe('member');
    expect(s.rooms.r1!.memberCount).toBe(2);
    expect(s.toasts).toEqual([]);
  });

  it('a hand-over to us: we become owner, the old owner a moderator', () => {
    dispatchFrame(handlers, roleFrame('r1', me, 'owner'));
    dispatchFrame(handlers, roleFrame('r1', owner, 'moderator'));
    expect(store.getState().rooms.r1!.role).toBe('owner');
    expect(roles('r1')).toEqual({ own: 'moderator', me: 'owner', bob: 'member' });
  });

  it('a role frame of a room whose members were never loaded only touches our own role', () => {
    dispatchFrame(handlers, roleFrame('r2', me, 'moderator'));
    expect(store.getState().rooms.r2!.role).toBe('moderator');
    expect(store.getState().members.r2).toBeUndefined();
  });
});
