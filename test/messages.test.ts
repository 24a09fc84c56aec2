/**
 * Ordering and durability: per-room seq is gap-free under concurrency, a clientMsgId stores one
 * message however it is retried, resume with sinceSeq is exact while others send.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../src/protocol.js';
import {
  createRoom,
  joinRoom,
  postMessage,
  register,
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
  ({ server, alice, bob } = await startWithAccounts({ SEND_RATE_PER_SEC: '100000', SEND_BURST: '100000' }, ['alice', 'bob']));
});
afterAll(() => server?.close());

async function history(account: Account, roomId: string): Promise<Message[]> {
  const all: Message[] = [];
  let after = 0;
  for (;;) {
    const res = await server.app.inject({ url: `/api/rooms/${roomId}/messages?after=${after}&limit=100`, headers: account.headers });
    expect(res.statusCode).toBe(200);
    const page = res.json<{ messages: Message[]; hasMore: boolean }>();
    all.push(...page.messages);
    if (!page.hasMore) return all;
    after = page.messages.at(-1)!.seq;
  }
}

describe('ordering', () => {
  it('gives 20 concurrent writers seqs 1..N with no gap or duplicate', async () => {
    const { room } = await createRoom(server.app, alice);
    const writers = await Promise.all(Array.from({ length: 19 }, () => register(server.app)));
    for (const w of writers) await joinRoom(server.app, w, room);
    const everyone = [alice, ...writers];
    const perWriter = 10;
    // HTTP and WebSocket writers mixed, all at once.
    const sockets = await Promise.all(everyone.slice(0, 10).map((a) => WsClient.connect(server.wsUrl, a.token)));
    const sends: Promise<unknown>[] = [];
    everyone.forEach((account, w) => {
      for (let i = 0; i < perWriter; i++) {
        const clientMsgId = `w${w}-${i}`;
        const ws = sockets[w];
        if (ws) {
          ws.send({ type: 'send', roomId: room.id, clientMsgId, body: `writer ${w} message ${i}` });
          sends.push(ws.next((f) => f.type === 'ack' && f.clientMsgId === clientMsgId, 15_000));
        } else {
          sends.push(postMessage(server.app, account, room.id, `writer ${w} message ${i}`, clientMsgId));
        }
      }
    });
    await Promise.all(sends);
    const stored = await history(alice, room.id);
    const total = everyone.length * perWriter;
    expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(new Set(stored.map((m) => `${m.author.id}/${m.clientMsgId}`)).size).toBe(total);
    // Each writer's own messages keep the order they were sent in.
    for (let w = 0; w < everyone.length; w++) {
      const mine = stored.filter((m) => m.author.id === everyone[w]!.user.id).map((m) => m.clientMsgId);
      if (sockets[w]) expect(mine).toEqual(Array.from({ length: perWriter }, (_, i) => `w${w}-${i}`));
      else expect(mine.sort()).toEqual(Array.from({ length: perWriter }, (_, i) => `w${w}-${i}`).sort());
    }
    const joined = await server.app.inject({ url: '/api/rooms/joined', headers: alice.headers });
    expect(joined.json().rooms.find((r: { id: string }) => r.id === room.id).lastSeq).toBe(total);
    await Promise.all(sockets.map((s) => s.close()));
  });

  it('delivers live messages to every subscriber in seq order', async () => {
    const { room } = await createRoom(server.app, alice);
    await joinRoom(server.app, bob, room);
    const watcher = await WsClient.connect(server.wsUrl, bob.token);
    await watcher.subscribe(room.id);
    const sender = await WsClient.connect(server.wsUrl, alice.token);
    for (let i = 0; i < 50; i++) sender.send({ type: 'send', roomId: room.id, clientMsgId: `o${i}`, body: `n${i}` });
    await watcher.next((f) => f.type === 'message' && (f as { message: Message }).message.seq === 50);
    expect(watcher.messages(room.id).map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    // The sender got acks (not message frames) for its own sends.
    await sender.next((f) => f.type === 'ack' && f.clientMsgId === 'o49');
    expect(sender.frames.filter((f) => f.type === 'message')).toHaveLength(0);
    await Promise.all([watcher.close(), sender.close()]);
  });
});

describe('idempotent sends', () => {
  it('stores one message when the same clientMsgId is sent twice over HTTP', async () => {
    const { room } = await createRoom(server.app, alice);
    const first = await server.app.inject({
      method: 'POST', url: `/api/rooms/${room.id}/messages`, headers: alice.headers, payload: { clientMsgId: 'dup-1', body: 'once' },
    });
    const second = await server.app.inject({
      method: 'POST', url: `/api/rooms/${room.id}/messages`, headers: alice.headers, payload: { clientMsgId: 'dup-1', body: 'twice?' },
    });
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(200);
    expect(second.json().message).toEqual(first.json().message);
    expect(await history(alice, room.id)).toHaveLength(1);
  });

  it('stores one message when the same clientMsgId races over HTTP and WebSocket', async () => {
    const { room } = await createRoom(server.app, alice);
    const ws = await WsClient.connect(server.wsUrl, alice.token);
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => {
        if (i % 2) {
          ws.send({ type: 'send', roomId: room.id, clientMsgId: 'race', body: 'hello' });
          return ws.next((f) => f.type === 'ack' && f.clientMsgId === 'race').then((f) => (f as unknown as { message: Message }).message);
        }
        return postMessage(server.app, alice, room.id, 'hello', 'race');
      }),
    );
    const stored = await history(alice, room.id);
    expect(stored).toHaveLength(1);
    for (const m of results) expect(m.id).toBe(stored[0]!.id);
    await ws.close();
  });

  it('acks a retried WebSocket send with the original and does not fan it out again', async () => {
    const { room } = await createRoom(server.app, alice);
    await joinRoom(server.app, bob, room);
    const watcher = await WsClient.connect(server.wsUrl, bob.token);
    await watcher.subscribe(room.id);
    const ws = await WsClient.connect(server.wsUrl, alice.token);
    ws.send({ type: 'send', roomId: room.id, clientMsgId: 'retry-me', body: 'first' });
    const ack1 = await ws.next((f) => f.type === 'ack');
    ws.send({ type: 'send', roomId: room.id, clientMsgId: 'retry-me', body: 'first' });
    const ack2 = await ws.next((f) => f.type === 'ack');
    expect(ack2.message).toEqual(ack1.message);
    ws.send({ type: 'send', roomId: room.id, clientMsgId: 'after', body: 'second' });
    await watcher.next((f) => f.type === 'message' && (f as { message: Message }).message.clientMsgId === 'after');
    expect(watcher.messages(room.id).map((m) => m.clientMsgId)).toEqual(['retry-me', 'after']);
    await Promise.all([watcher.close(), ws.close()]);
  });
});

describe('resume with sinceSeq', () => {
  it('replays exactly the missed messages, in order, while others keep sending', async () => {
    const { room } = await createRoom(server.app, alice);
    await joinRoom(server.app, bob, room);
    for (let i = 1; i <= 30; i++) await postMessage(server.app, alice, room.id, `before ${i}`);

    const sender = await WsClient.connect(server.wsUrl, alice.token);
    let sent = 0;
    let stop = false;
    const pump = (async () => {
      while (!stop && sent < 400) {
        for (let k = 0; k < 5; k++) sender.send({ type: 'send', roomId: room.id, clientMsgId: `live-${sent++}`, body: 'live' });
        await new Promise((r) => setImmediate(r));
      }
    })();

    // Several resumes from different points while the pump runs.
    const readers = await Promise.all([10, 20, 25].map(() => WsClient.connect(server.wsUrl, bob.token)));
    await Promise.all(readers.map((r, i) => r.subscribe(room.id, [10, 20, 25][i])));
    stop = true;
    await pump;
    const total = 30 + sent;
    await sender.next((f) => f.type === 'ack' && f.clientMsgId === `live-${sent - 1}`, 15_000);
    for (const [i, reader] of readers.entries()) {
      await reader.next((f) => f.type === 'message' && (f as { message: Message }).message.seq === total, 15_000);
      const since = [10, 20, 25][i]!;
      const seqs = reader.messages(room.id).map((m) => m.seq);
      expect(seqs).toEqual(Array.from({ length: total - since }, (_, k) => since + k + 1));
    }
    await Promise.all([sender.close(), ...readers.map((r) => r.close())]);
  });

  it('answers recovered:false when the gap is larger than the replay window', async () => {
    const small = await startServer({ RECOVERY_MAX_MESSAGES: '5' });
    try {
      const owner = await register(small.app);
      const { room } = await createRoom(small.app, owner);
      for (let i = 0; i < 8; i++) await postMessage(small.app, owner, room.id, `m${i}`);
      const ws = await WsClient.connect(small.wsUrl, owner.token);
      const sub = await ws.subscribe(room.id, 1);
      expect(sub).toMatchObject({ type: 'subscribed', recovered: false, lastSeq: 8 });
      const ok = await ws.subscribe(room.id, 4);
      expect(ok).toMatchObject({ recovered: true, lastSeq: 8 });
      await ws.next((f) => f.type === 'message' && (f as { message: Message }).message.seq === 8);
      expect(ws.messages(room.id).map((m) => m.seq)).toEqual([5, 6, 7, 8]);
      // Live messages keep flowing after either answer.
      await postMessage(small.app, owner, room.id, 'live');
      const live = await ws.next((f) => f.type === 'message' && (f as { message: Message }).message.seq === 9);
      expect(live).toBeTruthy();
      await ws.close();
    } finally {
      await small.close();
    }
  });
});

describe('resume from beyond the end (issue 9 item 8)', () => {
  it.each([
    ['lastSeq + 5', (lastSeq: number) => lastSeq + 5],
    ['2^53 - 1', () => Number.MAX_SAFE_INTEGER],
  ])('subscribe with sinceSeq = %s answers recovered:false and delivers every new message', async (_name, since) => {
    const { room } = await createRoom(server.app, alice);
    for (let i = 0; i < 3; i++) await postMessage(server.app, alice, room.id, `before ${i}`);
    const ws = await WsClient.connect(server.wsUrl, bob.token);
    await joinRoom(server.app, bob, room);
    const sub = await ws.subscribe(room.id, since(3));
    expect(sub).toMatchObject({ type: 'subscribed', lastSeq: 3, recovered: false });
    for (let i = 0; i < 10; i++) await postMessage(server.app, alice, room.id, `after ${i}`);
    await ws.next((f) => f.type === 'message' && (f as { message: Message }).message.seq === 13);
    expect(ws.messages(room.id).map((m) => m.seq)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    await ws.close();
  });
});

describe('history pages', () => {
  it('pages backwards and forwards by seq with hasMore', async () => {
    const { room } = await createRoom(server.app, alice);
    for (let i = 1; i <= 12; i++) await postMessage(server.app, alice, room.id, `h${i}`);
    const get = async (query: string) => {
      const res = await server.app.inject({ url: `/api/rooms/${room.id}/messages?${query}`, headers: alice.headers });
      expect(res.statusCode).toBe(200);
      const body = res.json<{ messages: Message[]; hasMore: boolean }>();
      return { seqs: body.messages.map((m) => m.seq), hasMore: body.hasMore };
    };
    expect(await get('limit=5')).toEqual({ seqs: [8, 9, 10, 11, 12], hasMore: true });
    expect(await get('before=8&limit=5')).toEqual({ seqs: [3, 4, 5, 6, 7], hasMore: true });
    expect(await get('before=3&limit=5')).toEqual({ seqs: [1, 2], hasMore: false });
    expect(await get('after=0&limit=5')).toEqual({ seqs: [1, 2, 3, 4, 5], hasMore: true });
    expect(await get('after=10&limit=5')).toEqual({ seqs: [11, 12], hasMore: false });
    expect(await get('after=12')).toEqual({ seqs: [], hasMore: false });
  });
});
