import { beforeEach, describe, expect, it } from 'vitest';
import { PLAIN_V2, USER_V2, joinedRoom } from '../lib/test-fixtures';
import type { JoinedRoom, Message, User } from '../lib/wire';
import { createAppStore } from './index';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-01T00:05:00.000Z';
const alice: User = { id: 'u-alice', username: 'alice', ...USER_V2, avatarUrl: null, createdAt: T0 };
const bob: User = { id: 'u-bob', username: 'bob', ...USER_V2, avatarUrl: null, createdAt: T0 };

const msg = (seq: number, patch: Partial<Message> = {}): Message => ({
  ...PLAIN_V2,
  id: `m${seq}`,
  roomId: 'r1',
  seq,
  clientMsgId: `c${seq}`,
  author: bob,
  body: `message ${seq}`,
  createdAt: T0,
  ...patch,
});
const room = (patch: Partial<JoinedRoom> = {}): JoinedRoom => joinedRoom('r1', alice.id, patch);

let store: ReturnType<typeof createAppStore>;
const s = () => store.getState();
const held = (id: string) => s().timelines.r1!.messages.find((m) => m.id === id)!;

beforeEach(() => {
  store = createAppStore();
  s().setUser(alice);
  s().setJoinedRooms([room()]);
  s().setLatestPage('r1', [msg(1), msg(2)], false);
});

describe('edit events', () => {
  it('change body, mentions and editedAt; a second application is harmless', () => {
    const edit = { seq: 3, messageId: 'm1', body: 'fixed', mentions: [], mentionsRoom: false, editedAt: T1 };
    s().applyEdit('r1', edit);
    expect(held('m1')).toMatchObject({ body: 'fixed', editedAt: T1 });
    expect(s().timelines.r1!.appliedSeq).toBe(3);
    const before = s().timelines;
    s().applyEdit('r1', edit);
    expect(s().timelines).toBe(before);
  });

  it('an event at or below the applied log position is ignored (dedupe by seq)', () => {
    s().applyEdit('r1', { seq: 4, messageId: 'm1', body: 'newest', mentions: [], mentionsRoom: false, editedAt: T1 });
    s().applyEdit('r1', { seq: 3, messageId: 'm1', body: 'older', mentions: [], mentionsRoom: false, editedAt: T0 });
    expect(held('m1').body).toBe('newest');
  });

  it('update the sidebar preview and the log position of the room', () => {
    s().applyEdit('r1', { seq: 3, messageId: 'm2', body: 'preview', mentions: [], mentionsRoom: false, editedAt: T1 });
    expect(s().rooms.r1!.lastMessage?.body).toBe('preview');
    expect(s().rooms.r1!.lastSeq).toBe(3);
  });

  it('that add a mention of me to an unread message count it, and removing it uncounts', () => {
    expect(s().rooms.r1!.mentionCount).toBe(0);
    s().applyEdit('r1', { seq: 3, messageId: 'm2', body: '@alice', mentions: [alice.id], mentionsRoom: false, editedAt: T1 });
    expect(s().rooms.r1!.mentionCount).toBe(1);
    s().applyEdit('r1', { seq: 4, messageId: 'm2', body: 'nobody', mentions: [], mentionsRoom: false, editedAt: T1 });
    expect(s().rooms.r1!.mentionCount).toBe(0);
    expect(s().rooms.r1!.unreadCount).toBe(2);
  });

  it('apply to the window of older history too', () => {
    s().openWindow('r1', [msg(1)], false, true);
    s().applyEdit('r1', { seq: 3, messageId: 'm1', body: 'in window', mentions: [], mentionsRoom: false, editedAt: T1 });
    expect(s().timelines.r1!.window!.messages[0]!.body).toBe('in window');
  });
});

describe('delete events', () => {
  it('leave a tombstone, orphan replies, and uncount an unread message', () => {
    const reply = msg(3, { replyTo: { id: 'm1', seq: 1, author: bob, excerpt: 'message 1', deleted: false } });
    s().receiveMessages('r1', [reply]);
    expect(s().rooms.r1!.unreadCount).toBe(3);
    s().applyReaction('r1', { seq: 4, messageId: 'm1', emoji: '👍', userId: alice.id, added: true });
    s().applyDelete('r1', { seq: 5, messageId: 'm1', deletedAt: T1 });
    expect(held('m1')).toMatchObject({ body: '', deletedAt: T1, reactions: [], mentions: [] });
    expect(held('m3').replyTo).toMatchObject({ id: 'm1', deleted: true, excerpt: '' });
    expect(s().rooms.r1!.unreadCount).toBe(2);
    s().applyDelete('r1', { messageId: 'm1', deletedAt: T1 });
    expect(s().rooms.r1!.unreadCount).toBe(2);
  });

  it('are not undone by a later reaction or edit replayed out of turn', () => {
    s().applyDelete('r1', { seq: 3, messageId: 'm1', deletedAt: T1 });
    s().applyReaction('r1', { messageId: 'm1', emoji: '👍', userId: alice.id, added: true });
    s().applyEdit('r1', { messageId: 'm1', body: 'back', mentions: [], mentionsRoom: false, editedAt: T1 });
    expect(held('m1')).toMatchObject({ body: '', reactions: [] });
  });
});

describe('reaction events', () => {
  it('add and remove users in order, with counts; repeats are harmless', () => {
    const add = (userId: string, seq: number) => s().applyReaction('r1', { seq, messageId: 'm1', emoji: '🎉', userId, added: true });
    add(bob.id, 3);
    add(alice.id, 4);
    add(alice.id, 5);
    expect(held('m1').reactions).toEqual([{ emoji: '🎉', count: 2, userIds: [bob.id, alice.id] }]);
    s().applyReaction('r1', { seq: 6, messageId: 'm1', emoji: '🎉', userId: bob.id, added: false });
    expect(held('m1').reactions).toEqual([{ emoji: '🎉', count: 1, userIds: [alice.id] }]);
    s().applyReaction('r1', { seq: 7, messageId: 'm1', emoji: '🎉', userId: alice.id, added: false });
    expect(held('m1').reactions).toEqual([]);
  });

  it('this tab applies its own change at once; the echo of the server changes nothing', () => {
    s().applyReaction('r1', { messageId: 'm2', emoji: '👍', userId: alice.id, added: true });
    const after = s().timelines.r1!.messages;
    s().applyReaction('r1', { seq: 3, messageId: 'm2', emoji: '👍', userId: alice.id, added: true });
    expect(s().timelines.r1!.messages).toBe(after);
    expect(held('m2').reactions).toEqual([{ emoji: '👍', count: 1, userIds: [alice.id] }]);
  });

  it('for a message not held only move the log position', () => {
    s().applyReaction('r1', { seq: 9, messageId: 'm-far', emoji: '👍', userId: bob.id, added: true });
    expect(s().timelines.r1!.appliedSeq).toBe(9);
    expect(s().rooms.r1!.lastSeq).toBe(9);
  });
});

describe('mentions', () => {
  it('count messages of others that mention me, and reading clears them', () => {
    s().receiveMessages('r1', [msg(3, { mentions: [alice.id] }), msg(4, { mentions: [bob.id] })]);
    expect(s().rooms.r1!).toMatchObject({ unreadCount: 4, mentionCount: 1 });
    s().markReadLocal('r1', 2);
    expect(s().rooms.r1!).toMatchObject({ unreadCount: 2, mentionCount: 1 });
    s().markReadLocal('r1', 4);
    expect(s().rooms.r1!).toMatchObject({ unreadCount: 0, mentionCount: 0 });
  });

  it('a mention frame bumps the badge once, and its message arriving later is not counted again', () => {
    s().receiveMention('r1', 5);
    s().receiveMention('r1', 5);
    expect(s().rooms.r1!).toMatchObject({ unreadCount: 3, mentionCount: 1, lastSeq: 5 });
    s().receiveMessages('r1', [msg(5, { mentions: [alice.id] })]);
    expect(s().rooms.r1!).toMatchObject({ unreadCount: 3, mentionCount: 1 });
  });

  it('a mention frame for a message already held or read changes nothing', () => {
    s().receiveMessages('r1', [msg(3, { mentions: [alice.id] })]);
    const before = s().rooms;
    s().receiveMention('r1', 3);
    expect(s().rooms).toBe(before);
  });
});

describe('the window of older history', () => {
  it('opens, extends both ways and closes back to the latest', () => {
    s().openWindow('r1', [msg(20), msg(21)], true, true);
    s().extendWindow('r1', [msg(18), msg(19)], 'older', false);
    s().extendWindow('r1', [msg(22)], 'newer', true);
    const w = s().timelines.r1!.window!;
    expect(w.messages.map((m) => m.seq)).toEqual([18, 19, 20, 21, 22]);
    expect(w).toMatchObject({ hasOlder: false, hasNewer: true });
    s().closeWindow('r1');
    expect(s().timelines.r1!.window).toBeNull();
    expect(s().timelines.r1!.messages.map((m) => m.seq)).toEqual([1, 2]);
  });
});
