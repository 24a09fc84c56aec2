import { beforeEach, describe, expect, it } from 'vitest';
import { PLAIN_V2, USER_V2, joinedRoom } from '../lib/test-fixtures';
import type { JoinedRoom, Message, User } from '../lib/wire';
import { createAppStore } from './index';

const T0 = '2026-01-01T00:00:00.000Z';
const alice: User = { id: 'u-alice', username: 'alice', ...USER_V2, avatarUrl: null, createdAt: T0 };
const bob: User = { id: 'u-bob', username: 'bob', ...USER_V2, avatarUrl: null, createdAt: T0 };

const msg = (seq: number, author: User = bob, roomId = 'r1', clientMsgId = `c${seq}`): Message => ({
  ...PLAIN_V2,
  id: String(seq),
  roomId,
  seq,
  clientMsgId,
  author,
  body: `message ${seq}`,
  createdAt: new Date(Date.parse(T0) + seq * 1000).toISOString(),
});

const room = (id: string, patch: Partial<JoinedRoom> = {}): JoinedRoom => joinedRoom(id, alice.id, patch);

let store: ReturnType<typeof createAppStore>;

beforeEach(() => {
  store = createAppStore();
  store.getState().setUser(alice);
  store.getState().setJoinedRooms([room('r1'), room('r2')]);
});

describe('session slice', () => {
  it('tracks who is logged in', () => {
    expect(store.getState().authStatus).toBe('authenticated');
    store.getState().setUser(null);
    expect(store.getState().authStatus).toBe('anonymous');
  });
});

describe('receiving messages', () => {
  it('counts unread messages from others and updates the preview', () => {
    store.getState().receiveMessages('r1', [msg(1), msg(2)]);
    const r = store.getState().rooms.r1!;
    expect(r.unreadCount).toBe(2);
    expect(r.lastSeq).toBe(2);
    expect(r.lastMessage?.seq).toBe(2);
    expect(store.getState().timelines.r1!.messages.map((m) => m.seq)).toEqual([1, 2]);
  });

  it('does not count a replayed message twice', () => {
    store.getState().receiveMessages('r1', [msg(1), msg(2)]);
    store.getState().receiveMessages('r1', [msg(2), msg(1)]);
    expect(store.getState().rooms.r1!.unreadCount).toBe(2);
    expect(store.getState().timelines.r1!.messages).toHaveLength(2);
  });

  it('does not count while the user is reading that room', () => {
    store.getState().setReadingRoom('r1');
    store.getState().receiveMessages('r1', [msg(1)]);
    store.getState().receiveMessages('r2', [msg(1, bob, 'r2')]);
    expect(store.getState().rooms.r1!.unreadCount).toBe(0);
    expect(store.getState().rooms.r2!.unreadCount).toBe(1);
  });

  it('treats own messages as read and clears their outbox entries (the ack)', () => {
    store.getState().receiveMessages('r1', [msg(1)]);
    store.getState().enqueue({ clientMsgId: 'mine-1', roomId: 'r1', body: 'hi', createdAt: T0, status: 'pending' });
    store.getState().enqueue({ clientMsgId: 'mine-2', roomId: 'r1', body: 'yo', createdAt: T0, status: 'pending' });
    store.getState().receiveMessages('r1', [msg(2, alice, 'r1', 'mine-1')]);
    const s = store.getState();
    expect(s.outbox.map((i) => i.clientMsgId)).toEqual(['mine-2']);
    expect(s.rooms.r1!.unreadCount).toBe(0);
    expect(s.rooms.r1!.lastReadSeq).toBe(2);
  });

  it('a message from someone else with my clientMsgId does not clear my outbox', () => {
    store.getState().enqueue({ clientMsgId: 'same', roomId: 'r1', body: 'hi', createdAt: T0, status: 'pending' });
    store.getState().receiveMessages('r1', [msg(1, bob, 'r1', 'same')]);
    expect(store.getState().outbox).toHaveLength(1);
  });

  it('clears the typing notice of whoever sent a message', () => {
    store.getState().setTyping('r1', bob, true);
    expect(store.getState().typing.r1).toHaveLength(1);
    store.getState().receiveMessages('r1', [msg(1)]);
    expect(store.getState().typing.r1).toHaveLength(0);
  });
});

describe('rooms in the background', () => {
  it('keep only their latest messages, and can page the rest in again', () => {
    const many = Array.from({ length: 350 }, (_, i) => msg(i + 1));
    store.getState().setActiveRoom('r2');
    store.getState().receiveMessages('r1', many);
    const t = store.getState().timelines.r1!;
    expect(t.messages).toHaveLength(200);
    expect(t.messages[0]!.seq).toBe(151);
    expect(t.hasMore).toBe(true);
    // The room on screen keeps everything.
    store.getState().receiveMessages('r2', many.map((m) => ({ ...m, roomId: 'r2' })));
    expect(store.getState().timelines.r2!.messages).toHaveLength(350);
  });
});

describe('history pages', () => {
  it('loads the latest page and keeps newer live messages', () => {
    store.getState().receiveMessages('r1', [msg(60), msg(61)]);
    const page = Array.from({ length: 50 }, (_, i) => msg(11 + i)); // 11..60
    store.getState().setLatestPage('r1', page, true);
    const t = store.getState().timelines.r1!;
    expect(t.loaded).toBe(true);
    expect(t.hasMore).toBe(true);
    expect(t.messages[0]!.seq).toBe(11);
    expect(t.messages.at(-1)!.seq).toBe(61);
    expect(t.messages).toHaveLength(51);
  });

  it('drops held messages that would leave a gap before the page', () => {
    store.getState().receiveMessages('r1', [msg(2)]);
    store.getState().setLatestPage('r1', [msg(10), msg(11)], true);
    expect(store.getState().timelines.r1!.messages.map((m) => m.seq)).toEqual([10, 11]);
  });

  it('prepends older pages in order', () => {
    store.getState().setLatestPage('r1', [msg(51), msg(52)], true);
    store.getState().setLoadingOlder('r1', true);
    store.getState().prependPage('r1', [msg(49), msg(50)], false);
    const t = store.getState().timelines.r1!;
    expect(t.messages.map((m) => m.seq)).toEqual([49, 50, 51, 52]);
    expect(t.hasMore).toBe(false);
    expect(t.loadingOlder).toBe(false);
  });
});

describe('read cursor', () => {
  it('only moves forward and recomputes unread from held messages', () => {
    store.getState().receiveMessages('r1', [msg(1), msg(2), msg(3), msg(4, alice)]);
    // alice's own message moved the cursor to 4: what came before is read
    expect(store.getState().rooms.r1!.unreadCount).toBe(0);
    expect(store.getState().rooms.r1!.lastReadSeq).toBe(4);
    store.getState().receiveMessages('r1', [msg(5), msg(6)]);
    expect(store.getState().rooms.r1!.unreadCount).toBe(2);
    store.getState().markReadLocal('r1', 5);
    expect(store.getState().rooms.r1!.lastReadSeq).toBe(5);
    expect(store.getState().rooms.r1!.unreadCount).toBe(1);
    store.getState().markReadLocal('r1', 2);
    expect(store.getState().rooms.r1!.lastReadSeq).toBe(5);
    store.getState().markReadLocal('r1', 6);
    expect(store.getState().rooms.r1!.unreadCount).toBe(0);
  });
});

describe('rooms and members', () => {
  it('adds a created or joined room without unread, and removes everything on leave', () => {
    const { lastReadSeq: _a, unreadCount: _b, lastMessage: _c, ...plain } = room('r3', { lastSeq: 7 });
    store.getState().addRoom(plain, 'INVITE');
    expect(store.getState().rooms.r3).toMatchObject({ lastReadSeq: 7, unreadCount: 0 });
    expect(store.getState().inviteCodes.r3).toBe('INVITE');
    store.getState().receiveMessages('r3', [msg(8, bob, 'r3')]);
    store.getState().removeRoom('r3');
    expect(store.getState().rooms.r3).toBeUndefined();
    expect(store.getState().timelines.r3).toBeUndefined();
  });

  it('keeps live data newer than a refreshed room list', () => {
    store.getState().receiveMessages('r1', [msg(5)]);
    store.getState().setJoinedRooms([room('r1', { lastSeq: 3 })]);
    expect(store.getState().rooms.r1!.lastSeq).toBe(5);
    expect(store.getState().rooms.r1!.lastMessage?.seq).toBe(5);
  });

  it('follows member joins and leaves', () => {
    store.getState().setMembers('r1', [{ user: alice, role: 'owner', online: true, joinedAt: T0 }]);
    store.getState().memberJoined('r1', bob);
    store.getState().memberJoined('r1', bob);
    expect(store.getState().members.r1).toHaveLength(2);
    expect(store.getState().rooms.r1!.memberCount).toBe(3);
    store.getState().memberLeft('r1', bob.id);
    expect(store.getState().members.r1).toHaveLength(1);
    expect(store.getState().rooms.r1!.memberCount).toBe(2);
  });
});

describe('presence and typing', () => {
  it('tracks who is online per room', () => {
    store.getState().setOnline('r1', [alice.id, alice.id]);
    store.getState().setPresence('r1', bob.id, true);
    expect(store.getState().online.r1).toEqual([alice.id, bob.id]);
    store.getState().setPresence('r1', alice.id, false);
    expect(store.getState().online.r1).toEqual([bob.id]);
  });

  it('expires typing notices after 5 s', () => {
    store.getState().setTyping('r1', bob, true, 1000);
    expect(store.getState().expireTyping(5999)).toBe(false);
    expect(store.getState().expireTyping(6000)).toBe(true);
    expect(store.getState().typing.r1).toEqual([]);
  });

  it('stops typing on isTyping false', () => {
    store.getState().setTyping('r1', bob, true);
    store.getState().setTyping('r1', bob, false);
    expect(store.getState().typing.r1).toEqual([]);
  });
});

describe('outbox slice', () => {
  it('marks failed and pending, discards', () => {
    const s = store.getState();
    s.enqueue({ clientMsgId: 'a', roomId: 'r1', body: 'x', createdAt: T0, status: 'pending' });
    s.markFailed('a', 'Too fast');
    expect(store.getState().outbox[0]).toMatchObject({ status: 'failed', error: 'Too fast' });
    s.markPending('a');
    expect(store.getState().outbox[0]!.status).toBe('pending');
    s.discard('a');
    expect(store.getState().outbox).toEqual([]);
  });
});

describe('resetUserState', () => {
  it('puts every user slice back to its initial state and keeps what belongs to the tab', () => {
    const fresh = createAppStore().getState();
    const s = store.getState();
    s.receiveMessages('r1', [msg(1)]);
    s.setOnline('r1', [bob.id]);
    s.setTyping('r1', bob, true);
    s.setMembers('r1', []);
    s.setInviteCode('r1', 'CODE');
    s.enqueue({ clientMsgId: 'a', roomId: 'r1', body: 'x', createdAt: T0, status: 'pending' });
    s.setReadingRoom('r1');
    s.setTheme('dark');
    s.toast('bye');
    s.resetUserState();
    const after = store.getState();
    expect(after).toMatchObject({
      user: null,
      authStatus: 'anonymous',
      rooms: {},
      roomsLoaded: false,
      inviteCodes: {},
      members: {},
      timelines: {},
      outbox: [],
      online: {},
      typing: {},
      readingRoomId: null,
    });
    // Every data field that is not the tab's equals the initial one.
    const tab = new Set(['connection', 'toasts', 'theme', 'activeRoomId', 'announcement', 'toastOutlet', 'authStatus']);
    for (const [key, value] of Object.entries(fresh)) {
      if (typeof value !== 'function' && !tab.has(key)) expect(after[key as keyof typeof after], key).toEqual(value);
    }
    expect(after.theme).toBe('dark');
    expect(after.toasts.map((t) => t.text)).toEqual(['bye']);
  });
});

describe('toasts', () => {
  it('keeps the last few', () => {
    for (let i = 0; i < 6; i++) store.getState().toast(`t${i}`);
    expect(store.getState().toasts.map((t) => t.text)).toEqual(['t2', 't3', 't4', 't5']);
  });
});
