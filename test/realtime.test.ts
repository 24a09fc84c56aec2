/**
 * Real-time behaviour over real sockets: ready, multi-tab delivery, presence with a grace period,
 * typing that expires, read cursors synced across tabs, member events, heartbeat, shutdown.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../src/protocol.js';
import {
  createRoom,
  joinRoom,
  postMessage,
  register,
  sleep,
  startServer,
  startWithAccounts,
  WsClient,
  type Account,
  type TestServer,
} from './helpers.js';

let server: TestServer;
let alice: Account;
let bob: Account;

beforeAll(async () => {
  ({ server, alice, bob } = await startWithAccounts({ PRESENCE_GRACE_MS: '300' }, ['alice', 'bob']));
});
afterAll(() => server?.close());

describe('connection', () => {
  it('sends ready with the user, protocol and heartbeat first', async () => {
    const ws = await WsClient.connect(server.wsUrl, alice.token);
    expect(ws.frames[0]).toEqual({ type: 'ready', user: alice.user, protocol: 2, heartbeatMs: 25_000 });
    ws.send({ type: 'ping' });
    await ws.next((f) => f.type === 'pong');
    await ws.close();
  });

  it('authenticates the upgrade with the session cookie too', async () => {
    const ws = await WsClient.connect(server.wsUrl, null, { cookie: `rtchat_session=${alice.token}` });
    expect(ws.frames[0]).toMatchObject({ type: 'ready', user: { id: alice.user.id } });
    await ws.close();
  });
});

describe('delivery', () => {
  it('reaches every tab of every member, the sender getting ack on its own tab', async () => {
    const { room } = await createRoom(server.app, alice);
    await joinRoom(server.app, bob, room);
    const [a1, a2, b1] = await Promise.all([
      WsClient.connect(server.wsUrl, alice.token),
      WsClient.connect(server.wsUrl, alice.token),
      WsClient.connect(server.wsUrl, bob.token),
    ]);
    for (const c of [a1, a2, b1]) expect(await c.subscribe(room.id)).toMatchObject({ type: 'subscribed', lastSeq: 0, recovered: true });
    a1.send({ type: 'send', roomId: room.id, clientMsgId: 'tab-1', body: '  hi all  ' });
    const ack = await a1.next((f) => f.type === 'ack');
    expect(ack).toMatchObject({ clientMsgId: 'tab-1', message: { seq: 1, body: 'hi all', author: { id: alice.user.id } } });
    const m2 = await a2.next((f) => f.type === 'message');
    const m3 = await b1.next((f) => f.type === 'message');
    expect(m2.message).toEqual(ack.message);
    expect(m3.message).toEqual(ack.message);
    // HTTP sends reach sockets as well.
    const viaHttp = await postMessage(server.app, bob, room.id, 'from http');
    for (const c of [a1, a2, b1]) {
      const f = await c.next((x) => x.type === 'message' && (x as { message: Message }).message.seq === 2);
      expect(f.message).toEqual(viaHttp);
    }
    // Unsubscribed tabs stop receiving.
    a2.send({ type: 'unsubscribe', roomId: room.id });
    a2.send({ type: 'ping' });
    await a2.next((f) => f.type === 'pong');
    await postMessage(server.app, bob, room.id, 'third');
    await a1.next((f) => f.type === 'message' && (f as { message: Message }).message.seq === 3);
    a2.send({ type: 'ping' });
    await a2.next((f) => f.type === 'pong');
    expect(a2.messages(room.id).map((m) => m.seq)).toEqual([1, 2]);
    await Promise.all([a1.close(), a2.close(), b1.close()]);
  });

  it('does not deliver to a member who left, and tells the room', async () => {
    const { room } = await createRoom(server.app, alice);
    const carol = await register(server.app);
    await joinRoom(server.app, carol, room);
    const a = await WsClient.connect(server.wsUrl, alice.token);
    const c = await WsClient.connect(server.wsUrl, carol.token);
    await a.subscribe(room.id);
    await c.subscribe(room.id);
    const res = await server.app.inject({ method: 'POST', url: `/api/rooms/${room.id}/leave`, headers: carol.headers });
    expect(res.statusCode).toBe(204);
    expect(await a.next((f) => f.type === 'member')).toMatchObject({ roomId: room.id, action: 'left', user: { id: carol.user.id } });
    await postMessage(server.app, alice, room.id, 'carol should not see this');
    await a.next((f) => f.type === 'ack' || f.type === 'message', 2000).catch(() => undefined);
    c.send({ type: 'ping' });
    await c.next((f) => f.type === 'pong');
    expect(c.messages(room.id)).toHaveLength(0);
    // And a send from her socket is refused.
    c.send({ type: 'send', roomId: room.id, clientMsgId: 'nope', body: 'hi' });
    expect(await c.next((f) => f.type === 'error')).toMatchObject({ code: 'NOT_A_MEMBER', ref: 'nope' });
    await Promise.all([a.close(), c.close()]);
  });

  it('announces joins to subscribers', async () => {
    const { room } = await createRoom(server.app, alice);
    const a = await WsClient.connect(server.wsUrl, alice.token);
    await a.subscribe(room.id);
    await joinRoom(server.app, bob, room);
    expect(await a.next((f) => f.type === 'member')).toMatchObject({ action: 'joined', user: { id: bob.user.id } });
    await a.close();
  });
});

describe('presence', () => {
  it('goes online with the first connection and offline after the last one closes (after a grace period)', async () => {
    const { room } = await createRoom(server.app, alice);
    const dave = await register(server.app);
    await joinRoom(server.app, dave, room);
    const watcher = await WsClient.connect(server.wsUrl, alice.token);
    const sub = await watcher.subscribe(room.id);
    expect(sub.online).toEqual([alice.user.id]);

    const d1 = await WsClient.connect(server.wsUrl, dave.token);
    const isDave = (f: { type: string; userId?: unknown }) => f.type === 'presence' && f.userId === dave.user.id;
    expect(await watcher.next(isDave)).toEqual({ type: 'presence', roomId: room.id, userId: dave.user.id, online: true });
    const d2 = await WsClient.connect(server.wsUrl, dave.token);
    await d1.close();
    // A reload: the second tab keeps dave online, and a quick reconnect does not flicker.
    await d2.close();
    const d3 = await WsClient.connect(server.wsUrl, dave.token);
    await sleep(500);
    expect(watcher.frames.filter(isDave)).toHaveLength(1);
    const members = await server.app.inject({ url: `/api/rooms/${room.id}/members`, headers: alice.headers });
    expect(members.json().members.find((m: { user: { id: string } }) => m.user.id === dave.user.id).online).toBe(true);

    await d3.close();
    expect(await watcher.next(isDave)).toEqual({ type: 'presence', roomId: room.id, userId: dave.user.id, online: false });
    const after = await server.app.inject({ url: `/api/rooms/${room.id}/members`, headers: alice.headers });
    expect(after.json().members.find((m: { user: { id: string } }) => m.user.id === dave.user.id).online).toBe(false);
    await watcher.close();
  });
});

describe('typing', () => {
  it('reaches others in the room, not the typist, and expires by itself', async () => {
    const { room } = await createRoom(server.app, alice);
    await joinRoom(server.app, bob, room);
    const a = await WsClient.connect(server.wsUrl, alice.token);
    const a2 = await WsClient.connect(server.wsUrl, alice.token);
    const b = await WsClient.connect(server.wsUrl, bob.token);
    await a.subscribe(room.id);
    await a2.subscribe(room.id);
    await b.subscribe(room.id);
    a.send({ type: 'typing', roomId: room.id, isTyping: true });
    expect(await b.next((f) => f.type === 'typing')).toEqual({ type: 'typing', roomId: room.id, user: alice.user, isTyping: true });
    // Expiry after 5 s without a refresh.
    expect(await b.next((f) => f.type === 'typing', 7000)).toMatchObject({ isTyping: false, user: { id: alice.user.id } });
    expect(a2.frames.filter((f) => f.type === 'typing')).toHaveLength(0);
    // Stopping explicitly, and closing the socket while typing, both end it.
    a.send({ type: 'typing', roomId: room.id, isTyping: true });
    await b.next((f) => f.type === 'typing' && f.isTyping === true);
    await a.close();
    expect(await b.next((f) => f.type === 'typing', 2000)).toMatchObject({ isTyping: false });
    await Promise.all([a2.close(), b.close()]);
  }, 20_000);
});

describe('read cursors', () => {
  it('moves forward only, clamps to the last seq, and syncs to the other tabs', async () => {
    const { room } = await createRoom(server.app, alice);
    await joinRoom(server.app, bob, room);
    for (let i = 0; i < 3; i++) await postMessage(server.app, alice, room.id, `m${i}`);
    const b1 = await WsClient.connect(server.wsUrl, bob.token);
    const b2 = await WsClient.connect(server.wsUrl, bob.token);
    const unread = async () =>
      (await server.app.inject({ url: '/api/rooms/joined', headers: bob.headers })).json().rooms.find((r: { id: string }) => r.id === room.id);
    expect(await unread()).toMatchObject({ lastReadSeq: 0, unreadCount: 3, lastMessage: { seq: 3, body: 'm2' } });

    b1.send({ type: 'read', roomId: room.id, seq: 2 });
    expect(await b2.next((f) => f.type === 'read')).toEqual({ type: 'read', roomId: room.id, seq: 2 });
    expect(await unread()).toMatchObject({ lastReadSeq: 2, unreadCount: 1 });
    // Backwards is ignored; beyond the end is clamped.
    const back = await server.app.inject({ method: 'POST', url: `/api/rooms/${room.id}/read`, headers: bob.headers, payload: { seq: 1 } });
    expect(back.statusCode).toBe(204);
    expect(await unread()).toMatchObject({ lastReadSeq: 2 });
    await server.app.inject({ method: 'POST', url: `/api/rooms/${room.id}/read`, headers: bob.headers, payload: { seq: 999 } });
    expect(await unread()).toMatchObject({ lastReadSeq: 3, unreadCount: 0 });
    // HTTP read reaches every socket of the user.
    expect(await b1.next((f) => f.type === 'read' && f.seq === 3)).toBeTruthy();
    // Your own message counts as read.
    await postMessage(server.app, bob, room.id, 'mine');
    expect(await unread()).toMatchObject({ lastReadSeq: 4, unreadCount: 0 });
    await Promise.all([b1.close(), b2.close()]);
  });

  it('lists joined rooms newest activity first', async () => {
    const erin = await register(server.app);
    const r1 = (await createRoom(server.app, erin)).room;
    const r2 = (await createRoom(server.app, erin)).room;
    const order = async () => (await server.app.inject({ url: '/api/rooms/joined', headers: erin.headers })).json().rooms.map((r: { id: string }) => r.id);
    expect(await order()).toEqual([r2.id, r1.id]);
    await sleep(5);
    await postMessage(server.app, erin, r1.id, 'bump');
    expect(await order()).toEqual([r1.id, r2.id]);
  });
});

describe('heartbeat and shutdown', () => {
  it('terminates a socket that stops answering pings', async () => {
    const fast = await startServer({ HEARTBEAT_MS: '1000' });
    try {
      const user = await register(fast.app);
      const ws = await WsClient.connect(fast.wsUrl, user.token);
      expect(ws.frames[0]).toMatchObject({ heartbeatMs: 1000 });
      // Stop answering pings at the protocol level (ws answers automatically unless we pause it).
      ws.socket.pong = () => undefined;
      (ws.socket as unknown as { _receiver: { removeAllListeners(e: string): void } })._receiver.removeAllListeners('ping');
      const closed = await ws.closed;
      expect(closed.code).toBe(1006);
    } finally {
      await fast.close();
    }
  });

  it('answers in-flight sends, then closes sockets with 1001 on shutdown', async () => {
    const doomed = await startServer({ SEND_RATE_PER_SEC: '10000', SEND_BURST: '10000' });
    const user = await register(doomed.app);
    const { room } = await createRoom(doomed.app, user);
    const ws = await WsClient.connect(doomed.wsUrl, user.token);
    for (let i = 0; i < 100; i++) ws.send({ type: 'send', roomId: room.id, clientMsgId: `s${i}`, body: `b${i}` });
    await ws.next((f) => f.type === 'ack');
    const closing = doomed.app.close();
    const closed = await ws.closed;
    await closing;
    expect(closed.code).toBe(1001);
    // Every send was answered: acked (stored) or refused with UNAVAILABLE (not stored).
    const acked = ws.frames.filter((f) => f.type === 'ack').map((f) => f.clientMsgId as string);
    const refused = ws.frames.filter((f) => f.type === 'error').map((f) => f.ref as string);
    expect(refused.every((r) => ws.frames.some((f) => f.type === 'error' && f.ref === r && f.code === 'UNAVAILABLE'))).toBe(true);
    expect(acked.length + refused.length).toBeLessThanOrEqual(100);
    const { rows } = (await doomed.db.database.db.execute(
      (await import('drizzle-orm')).sql`SELECT client_msg_id FROM messages ORDER BY seq`,
    )) as unknown as { rows: { client_msg_id: string }[] };
    const stored = rows.map((r) => r.client_msg_id);
    for (const id of acked) expect(stored).toContain(id);
    for (const id of refused) expect(stored).not.toContain(id);
    await doomed.db.drop();
  });
});
