/**
 * The room log (issue 10, server): edits, deletions and reactions are events of the room's log
 * with the next seq; repeats are no events; replies, mentions, unread and mention counts;
 * `events?after=` serves exactly what subscribers got; `messages?around=`.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { JoinedRoom, LogFrame, Message } from '../src/protocol.js';
import { LIMITS } from '../src/protocol-constants.js';
import { barrier, expectError } from './authz-helpers.js';
import { createRoom, joinRoom, register, startServer, WsClient, type Account, type TestServer } from './helpers.js';
import { logFramesOf, project, type RoomLogApi, roomLogApi, roomLogSuite } from './room-log-helpers.js';

let server!: TestServer, api!: RoomLogApi, alice!: Account, bob!: Account, carol!: Account;
roomLogSuite((scene) => ({ server, api, alice, bob, carol } = scene));

async function roomOf(owner: Account, ...members: Account[]): Promise<string> {
  const { room } = await createRoom(server.app, owner);
  for (const m of members) await joinRoom(server.app, m, room);
  return room.id;
}

async function post(a: Account, roomId: string, body: string, extra: { replyToId?: string } = {}): Promise<Message> {
  const res = await api.post(a, roomId, body, extra);
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ message: Message }>().message;
}

async function lastSeq(a: Account, roomId: string): Promise<number> {
  const res = await api.call(a, 'GET', `/api/rooms/${roomId}`);
  return res.json<{ room: { lastSeq: number } }>().room.lastSeq;
}

describe('room log events', () => {
  it('gives an edit, a deletion and each reaction the next seq, broadcasts them once, and serves them again from events?after', async () => {
    const roomId = await roomOf(alice, bob);
    const ws = await WsClient.connect(server.wsUrl, bob.token);
    await ws.subscribe(roomId);
    const m1 = await post(alice, roomId, 'hello wrold');
    const m2 = await post(bob, roomId, 'second');
    expect((await api.edit(alice, roomId, m1.id, 'hello world')).statusCode).toBe(200);
    expect((await api.react(bob, roomId, m1.id, '👍')).statusCode).toBe(204);
    expect((await api.react(alice, roomId, m1.id, '👍')).statusCode).toBe(204);
    expect((await api.react(bob, roomId, m1.id, '👍', false)).statusCode).toBe(204);
    expect((await api.remove(bob, roomId, m2.id)).statusCode).toBe(204);
    await ws.next((f) => f.type === 'delete');
    await barrier(ws);

    const live = logFramesOf(ws.frames, roomId);
    expect(live.map((f) => f.type)).toEqual(['message', 'message', 'edit', 'reaction', 'reaction', 'reaction', 'delete']);
    expect(live.map((f) => (f.type === 'message' ? f.message.seq : f.seq))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(live[2]).toMatchObject({ type: 'edit', roomId, seq: 3, messageId: m1.id, body: 'hello world', mentions: [] });
    expect(live[3]).toMatchObject({ type: 'reaction', messageId: m1.id, emoji: '👍', userId: bob.user.id, added: true, count: 1 });
    expect(live[4]).toMatchObject({ added: true, count: 2, userId: alice.user.id });
    expect(live[5]).toMatchObject({ added: false, count: 1, userId: bob.user.id });
    expect(live[6]).toMatchObject({ type: 'delete', seq: 7, messageId: m2.id, deletedBy: bob.user.id });
    expect(await lastSeq(alice, roomId)).toBe(7);

    // events?after: exactly the frames subscribers got (messages as they are now).
    const events = await api.allEvents(alice, roomId);
    expect(events.slice(2)).toEqual(live.slice(2));
    const history = await api.history(alice, roomId);
    expect(project([], events)).toEqual(history);
    expect(history[0]).toMatchObject({ body: 'hello world', reactions: [{ emoji: '👍', count: 1, userIds: [alice.user.id] }] });
    expect(history[0]!.editedAt).not.toBeNull();
    expect(history[1]).toMatchObject({ id: m2.id, seq: 2, body: '', mentions: [], reactions: [], replyTo: null });
    expect(history[1]!.deletedAt).not.toBeNull();
    const page = (await api.events(alice, roomId, 2, 3)).json<{ events: LogFrame[]; hasMore: boolean }>();
    expect(page.events.map((e) => (e.type === 'message' ? e.message.seq : e.seq))).toEqual([3, 4, 5]);
    expect(page.hasMore).toBe(true);
    await ws.close();
  });

  it('takes no seq and sends nothing for repeats: the same reaction, removing an absent one, deleting a deleted message, the same body', async () => {
    const roomId = await roomOf(alice, bob);
    const m = await post(alice, roomId, 'x');
    expect((await api.react(bob, roomId, m.id, '🎉')).statusCode).toBe(204);
    const before = await lastSeq(alice, roomId);
    const ws = await WsClient.connect(server.wsUrl, alice.token);
    await ws.subscribe(roomId);
    expect((await api.react(bob, roomId, m.id, '🎉')).statusCode).toBe(204);
    expect((await api.react(alice, roomId, m.id, '🎉', false)).statusCode).toBe(204);
    expect((await api.edit(alice, roomId, m.id, 'x')).statusCode).toBe(200);
    expect(await lastSeq(alice, roomId)).toBe(before);
    expect((await api.remove(alice, roomId, m.id)).statusCode).toBe(204);
    expect((await api.remove(alice, roomId, m.id)).statusCode).toBe(204);
    await barrier(ws);
    expect(logFramesOf(ws.frames, roomId).map((f) => f.type)).toEqual(['delete']);
    expect(await lastSeq(alice, roomId)).toBe(before + 1);
    await ws.close();
  });

  it('refuses edits and reactions on a deleted message (404 MESSAGE_NOT_FOUND)', async () => {
    const roomId = await roomOf(alice, bob);
    const m = await post(alice, roomId, 'gone soon');
    await api.react(bob, roomId, m.id, '👍');
    expect((await api.remove(alice, roomId, m.id)).statusCode).toBe(204);
    expectError(await api.edit(alice, roomId, m.id, 'again'), 404, 'MESSAGE_NOT_FOUND');
    expectError(await api.react(bob, roomId, m.id, '👍'), 404, 'MESSAGE_NOT_FOUND');
    expectError(await api.react(bob, roomId, m.id, '👍', false), 404, 'MESSAGE_NOT_FOUND');
  });

  it('normalises an emoji missing U+FE0F, refuses text and several emoji, and holds at most 20 distinct emoji', async () => {
    const roomId = await roomOf(alice, bob);
    const m = await post(alice, roomId, 'react to me');
    expect((await api.react(bob, roomId, m.id, '❤')).statusCode).toBe(204);
    expect((await api.react(alice, roomId, m.id, '❤️')).statusCode).toBe(204);
    for (const bad of ['a', 'ok', '👍👍', '1', ' ', '👍 ']) expectError(await api.react(bob, roomId, m.id, bad), 400, 'VALIDATION');
    const [first] = await api.history(alice, roomId);
    expect(first!.reactions).toEqual([{ emoji: '❤️', count: 2, userIds: [bob.user.id, alice.user.id] }]);
    const more = ['😀', '😁', '😂', '🤣', '😃', '😄', '😅', '😆', '😉', '😊', '😋', '😎', '😍', '😘', '🥰', '😗', '😙', '🥲', '😚'];
    for (const e of more) expect((await api.react(bob, roomId, m.id, e)).statusCode).toBe(204);
    expectError(await api.react(bob, roomId, m.id, '🙂'), 400, 'TOO_MANY_REACTIONS');
    // An emoji already there still takes more people.
    expect((await api.react(alice, roomId, m.id, '😀')).statusCode).toBe(204);
    const [after] = await api.history(alice, roomId);
    expect(after!.reactions.map((r) => r.emoji)).toEqual(['❤️', ...more]);
    expect(after!.reactions).toHaveLength(LIMITS.REACTIONS_PER_MESSAGE);
  });

  it('keeps a reaction group in place until it is empty, exactly as a client applying the events sees it', async () => {
    const roomId = await roomOf(alice, bob, carol);
    const m = await post(alice, roomId, 'order');
    await api.react(alice, roomId, m.id, '👍');
    await api.react(bob, roomId, m.id, '🎉');
    await api.react(carol, roomId, m.id, '👍');
    await api.react(alice, roomId, m.id, '👍', false);
    await api.react(alice, roomId, m.id, '👍');
    const history = await api.history(alice, roomId);
    expect(history[0]!.reactions).toEqual([
      { emoji: '👍', count: 2, userIds: [carol.user.id, alice.user.id] },
      { emoji: '🎉', count: 1, userIds: [bob.user.id] },
    ]);
    expect(project([], await api.allEvents(alice, roomId))).toEqual(history);
  });
});

describe('rules', () => {
  it('lets only the author edit, and the author, an owner or a moderator delete', async () => {
    const roomId = await roomOf(alice, bob, carol);
    const byBob = await post(bob, roomId, 'bob says');
    const byCarol = await post(carol, roomId, 'carol says');
    const byAlice = await post(alice, roomId, 'alice says');
    expectError(await api.edit(alice, roomId, byBob.id, 'owner edit'), 403, 'FORBIDDEN');
    expectError(await api.edit(carol, roomId, byBob.id, 'member edit'), 403, 'FORBIDDEN');
    expectError(await api.remove(carol, roomId, byBob.id), 403, 'FORBIDDEN');
    expectError(await api.remove(bob, roomId, byAlice.id), 403, 'FORBIDDEN');
    expect((await api.edit(bob, roomId, byBob.id, 'bob edits')).statusCode).toBe(200);
    expect((await api.remove(alice, roomId, byBob.id)).statusCode).toBe(204);
    // A moderator (set in the database: no route assigns it yet) deletes anyone's message.
    await server.db.database.rows(sql`UPDATE room_members SET role = 'moderator' WHERE room_id = ${roomId}::uuid AND user_id = ${bob.user.id}::uuid`);
    expect((await api.remove(bob, roomId, byCarol.id)).statusCode).toBe(204);
    expectError(await api.edit(bob, roomId, byAlice.id, 'moderator edit'), 403, 'FORBIDDEN');
  });

  it('answers MESSAGE_NOT_FOUND for a message id of another room', async () => {
    const roomA = await roomOf(alice, bob);
    const roomB = await roomOf(alice, bob);
    const inB = await post(alice, roomB, 'in B');
    expectError(await api.edit(alice, roomA, inB.id, 'moved'), 404, 'MESSAGE_NOT_FOUND');
    expectError(await api.remove(alice, roomA, inB.id), 404, 'MESSAGE_NOT_FOUND');
    expectError(await api.react(bob, roomA, inB.id, '👍'), 404, 'MESSAGE_NOT_FOUND');
    expectError(await api.post(bob, roomA, 'reply across rooms', { replyToId: inB.id }), 404, 'MESSAGE_NOT_FOUND');
    expectError(await api.edit(alice, roomA, randomUUID(), 'none'), 404, 'MESSAGE_NOT_FOUND');
  });
});

describe('edit window', () => {
  it('refuses an edit after EDIT_WINDOW_SEC with 403 FORBIDDEN', async () => {
    const windowed = await startServer({ EDIT_WINDOW_SEC: '1', SEND_RATE_PER_SEC: '1000', SEND_BURST: '1000' });
    try {
      const wapi = roomLogApi(windowed.app);
      const a = await register(windowed.app);
      const { room } = await createRoom(windowed.app, a);
      const m = (await wapi.post(a, room.id, 'quick')).json<{ message: Message }>().message;
      expect((await wapi.edit(a, room.id, m.id, 'quick fix')).statusCode).toBe(200);
      // Age the message instead of waiting.
      await windowed.db.database.rows(sql`UPDATE messages SET created_at = now() - interval '1 minute' WHERE id = ${m.id}::uuid`);
      expectError(await wapi.edit(a, room.id, m.id, 'too late'), 403, 'FORBIDDEN');
    } finally {
      await windowed.close();
    }
  });
});

describe('replies', () => {
  it('stores the quote with the reply and shows deleted: true (excerpt "") once the original is deleted', async () => {
    const roomId = await roomOf(alice, bob);
    const long = `${'é'.repeat(130)} end`;
    const original = await post(alice, roomId, long);
    const reply = await post(bob, roomId, 'replying', { replyToId: original.id });
    expect(reply.replyTo).toEqual({ id: original.id, seq: original.seq, author: alice.user, excerpt: 'é'.repeat(LIMITS.REPLY_EXCERPT_CHARS), deleted: false });
    // An edit of the original does not change the stored quote.
    await api.edit(alice, roomId, original.id, 'rewritten');
    expect((await api.history(bob, roomId))[1]!.replyTo!.excerpt).toBe('é'.repeat(LIMITS.REPLY_EXCERPT_CHARS));
    await api.remove(alice, roomId, original.id);
    const [, stored] = await api.history(bob, roomId);
    expect(stored!.replyTo).toEqual({ id: original.id, seq: original.seq, author: alice.user, excerpt: '', deleted: true });
    expectError(await api.post(bob, roomId, 'reply to a deleted one', { replyToId: original.id }), 404, 'MESSAGE_NOT_FOUND');
    // Over WebSocket too.
    const ws = await WsClient.connect(server.wsUrl, bob.token);
    ws.send({ type: 'send', roomId, clientMsgId: 'ws-reply', body: 'ws reply', replyToId: reply.id });
    const ack = await ws.next((f) => f.type === 'ack' || f.type === 'error');
    expect(ack).toMatchObject({ type: 'ack', message: { replyTo: { id: reply.id, excerpt: 'replying', deleted: false } } });
    ws.send({ type: 'send', roomId, clientMsgId: 'ws-bad-reply', body: 'x', replyToId: original.id });
    expect(await ws.next((f) => f.type === 'error')).toMatchObject({ code: 'MESSAGE_NOT_FOUND', ref: 'ws-bad-reply' });
    await ws.close();
  });
});

describe('mentions', () => {
  it('resolves @username of members (case-insensitive), @room only from an owner or moderator, and re-resolves on edit', async () => {
    const outsider = await register(server.app);
    const roomId = await roomOf(alice, bob, carol);
    const m = await post(bob, roomId, `hi @${alice.user.username.toUpperCase()} and @${outsider.user.username}, mail a@${carol.user.username}`);
    expect(m.mentions).toEqual([alice.user.id]);
    expect((await post(bob, roomId, 'hey @room')).mentionsRoom).toBe(false);
    expect((await post(alice, roomId, 'hey @room')).mentionsRoom).toBe(true);
    const edited = await api.edit(bob, roomId, m.id, `now @${carol.user.username}`);
    expect(edited.json<{ message: Message }>().message.mentions).toEqual([carol.user.id]);
  });

  it('tells a mentioned user\'s connections that are not subscribed to the room, and counts mentions and unread apart', async () => {
    const roomId = await roomOf(alice, bob, carol);
    const wsCarol = await WsClient.connect(server.wsUrl, carol.token); // not subscribed
    const wsCarolIn = await WsClient.connect(server.wsUrl, carol.token);
    await wsCarolIn.subscribe(roomId);
    const m = await post(bob, roomId, `ping @${carol.user.username}`);
    expect(await wsCarol.next((f) => f.type === 'mention')).toEqual({ type: 'mention', roomId, messageId: m.id, seq: m.seq });
    await post(alice, roomId, 'all hands @room');
    await wsCarol.next((f) => f.type === 'mention' && f.seq === m.seq + 1);
    await post(bob, roomId, 'no mention');
    const gone = await post(bob, roomId, `deleted @${carol.user.username}`);
    await api.remove(bob, roomId, gone.id);
    await barrier(wsCarolIn);
    expect(wsCarolIn.frames.filter((f) => f.type === 'mention')).toEqual([]);

    const joined = async (a: Account) =>
      (await api.call(a, 'GET', '/api/rooms/joined')).json<{ rooms: JoinedRoom[] }>().rooms.find((r) => r.id === roomId)!;
    expect(await joined(carol)).toMatchObject({ role: 'member', unreadCount: 3, mentionCount: 2, lastMessage: { id: gone.id, body: '' } });
    // alice's own @room message moved her read cursor: only what came after it counts.
    expect(await joined(alice)).toMatchObject({ role: 'owner', unreadCount: 1, mentionCount: 0 });
    const r = await joined(carol);
    expect((await api.call(carol, 'POST', `/api/rooms/${roomId}/read`, { seq: r.lastSeq })).statusCode).toBe(204);
    expect(await joined(carol)).toMatchObject({ unreadCount: 0, mentionCount: 0 });
    await Promise.all([wsCarol.close(), wsCarolIn.close()]);
  });

  it(`caps unreadCount and mentionCount at ${LIMITS.UNREAD_CAP}`, async () => {
    const roomId = await roomOf(alice, bob);
    const ws = await WsClient.connect(server.wsUrl, alice.token);
    for (let i = 0; i < LIMITS.UNREAD_CAP + 5; i++) ws.send({ type: 'send', roomId, clientMsgId: `cap-${i}`, body: `@${bob.user.username} ${i}` });
    await ws.next((f) => f.type === 'ack' && f.clientMsgId === `cap-${LIMITS.UNREAD_CAP + 4}`, 20_000);
    const rooms = (await api.call(bob, 'GET', '/api/rooms/joined')).json<{ rooms: JoinedRoom[] }>().rooms;
    expect(rooms.find((r) => r.id === roomId)).toMatchObject({ unreadCount: LIMITS.UNREAD_CAP, mentionCount: LIMITS.UNREAD_CAP });
    await ws.close();
  });
});

describe('WebSocket edit, delete and react frames', () => {
  it('answers with the log event (to a subscribed sender as to everyone; directly when not subscribed) or an error frame with ref', async () => {
    const roomId = await roomOf(alice, bob);
    const m = await post(alice, roomId, 'frame me');
    const wsA = await WsClient.connect(server.wsUrl, alice.token);
    const wsB = await WsClient.connect(server.wsUrl, bob.token);
    await wsB.subscribe(roomId);
    wsA.send({ type: 'edit', roomId, messageId: m.id, body: 'framed', ref: 'e1' });
    const edit = await wsA.next((f) => f.type === 'edit' || f.type === 'error');
    expect(edit).toMatchObject({ type: 'edit', messageId: m.id, body: 'framed' });
    expect(await wsB.next((f) => f.type === 'edit')).toEqual(edit);
    wsB.send({ type: 'react', roomId, messageId: m.id, emoji: '👍', add: true, ref: 'r1' });
    const reaction = await wsB.next((f) => f.type === 'reaction');
    expect(reaction).toMatchObject({ emoji: '👍', added: true, count: 1, userId: bob.user.id });
    wsB.send({ type: 'edit', roomId, messageId: m.id, body: 'not mine', ref: 'e2' });
    expect(await wsB.next((f) => f.type === 'error')).toMatchObject({ code: 'FORBIDDEN', ref: 'e2' });
    wsB.send({ type: 'react', roomId, messageId: m.id, emoji: 'nope', add: true, ref: 'r2' });
    expect(await wsB.next((f) => f.type === 'error')).toMatchObject({ code: 'VALIDATION', ref: 'r2' });
    wsA.send({ type: 'delete', roomId, messageId: m.id });
    expect(await wsB.next((f) => f.type === 'delete')).toMatchObject({ messageId: m.id, deletedBy: alice.user.id });
    wsA.send({ type: 'delete', roomId, messageId: randomUUID(), ref: 'd2' });
    expect(await wsA.next((f) => f.type === 'error')).toMatchObject({ code: 'MESSAGE_NOT_FOUND', ref: 'd2' });
    await Promise.all([wsA.close(), wsB.close()]);
  });
});

describe('messages?around', () => {
  it('returns the page centred on a seq with hasOlder / hasNewer, and refuses around with before or after', async () => {
    const roomId = await roomOf(alice);
    const ws = await WsClient.connect(server.wsUrl, alice.token);
    for (let i = 1; i <= 30; i++) ws.send({ type: 'send', roomId, clientMsgId: `ar-${i}`, body: `m${i}` });
    await ws.next((f) => f.type === 'ack' && f.clientMsgId === 'ar-30');
    await ws.close();
    const get = (q: string) => api.call(alice, 'GET', `/api/rooms/${roomId}/messages?${q}`);
    const mid = get('around=15&limit=10');
    const page = (await mid).json<{ messages: Message[]; hasOlder: boolean; hasNewer: boolean; hasMore: boolean }>();
    expect(page.messages.map((m) => m.seq)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect(page).toMatchObject({ hasOlder: true, hasNewer: true, hasMore: true });
    const start = (await get('around=2&limit=10')).json<{ messages: Message[]; hasOlder: boolean; hasNewer: boolean }>();
    expect(start.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(start).toMatchObject({ hasOlder: false, hasNewer: true });
    const end = (await get('around=30&limit=10')).json<{ messages: Message[]; hasOlder: boolean; hasNewer: boolean }>();
    expect(end.messages.map((m) => m.seq)).toEqual([21, 22, 23, 24, 25, 26, 27, 28, 29, 30]);
    expect(end).toMatchObject({ hasOlder: true, hasNewer: false });
    expectError(await get('around=5&before=9'), 400, 'VALIDATION');
    expectError(await get('around=5&after=1'), 400, 'VALIDATION');
  });
});
