/**
 * Group commit across rooms: the MessageWriter's batching against a fake repository (which batch
 * each send lands in, the order of onCommit, duplicates, retries, refusals), then the real
 * statement on the test database with many rooms at once, and the socket write coalescing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message, User } from '../src/protocol.js';
import { MessageWriter, laneOf } from '../src/services/message-writer.js';
import type { InsertedRow, MessagesRepository, NewMessage } from '../src/repositories/messages-repository.js';
import type { RoomsRepository } from '../src/repositories/rooms-repository.js';
import { Connection, OutFrame, encodeTextFrame } from '../src/realtime/connection.js';
import type { LogEvent } from '../src/realtime/log-event.js';
import type { OpRunner } from '../src/services/log-ops.js';
import { createRoom, joinRoom, register, startServer, WsClient, type Account, type TestServer } from './helpers.js';
import { newMessageState } from '../src/protocol-constants.js';

type Item = NewMessage & { roomId: string };

/** onCommit for tests that only look at messages. */
const onMessage = (fn: (m: Message) => unknown) => (e: LogEvent) => {
  if (e.frame.type === 'message') fn(e.frame.message);
};
const noOps: OpRunner = async () => [];
const user = (id: string): User => ({ id, username: id, displayName: null, avatarUrl: null, isGuest: false, createdAt: new Date(0).toISOString() });

/** A fake store: per-room seqs, (author, clientMsgId) uniqueness, membership, and a call log. */
function fakeStore(options: { members?: (roomId: string, authorId: string) => boolean; failFirst?: unknown } = {}) {
  const seqs = new Map<string, number>();
  const stored = new Map<string, Message>();
  const calls: Item[][] = [];
  let release: (() => void) | null = null;
  let gate: Promise<void> | null = null;
  let failNext = options.failFirst;
  let nextId = 1;
  const messages = {
    async insertMany(items: Item[]): Promise<InsertedRow[]> {
      calls.push(items);
      if (gate) await gate;
      if (failNext) {
        const err = failNext;
        failNext = undefined;
        throw err;
      }
      const rows: InsertedRow[] = [];
      for (const m of items) {
        const key = `${m.authorId}\u0000${m.clientMsgId}`;
        if (stored.has(key)) continue;
        if (options.members && !options.members(m.roomId, m.authorId)) continue;
        const seq = (seqs.get(m.roomId) ?? 0) + 1;
        seqs.set(m.roomId, seq);
        const row: InsertedRow = {
          id: String(nextId++),
          room_id: m.roomId,
          seq,
          author_id: m.authorId,
          client_msg_id: m.clientMsgId,
          created_at: new Date(),
          mentions: [],
          mentions_room: false,
          reply_to_id: null,
          reply_excerpt: '',
          reply_seq: null,
          reply_author_id: null,
          reply_author_username: null,
          reply_author_avatar_url: null,
          reply_author_created_at: null,
          reply_author_is_guest: null,
        };
        stored.set(key, {
          id: String(row.id),
          roomId: m.roomId,
          seq,
          clientMsgId: m.clientMsgId,
          author: user(m.authorId),
          body: m.body,
          ...newMessageState(),
          createdAt: new Date(row.created_at).toISOString(),
        });
        rows.push(row);
      }
      return rows.sort((a, b) => (a.room_id < b.room_id ? -1 : a.room_id > b.room_id ? 1 : Number(a.seq) - Number(b.seq)));
    },
    async findByClientIds(pairs: { authorId: string; clientMsgId: string }[]): Promise<Message[]> {
      return pairs.map((p) => stored.get(`${p.authorId}\u0000${p.clientMsgId}`)).filter((m): m is Message => !!m);
    },
  } as unknown as MessagesRepository;
  const rooms = {
    async access(roomId: string) {
      return { room: { id: roomId, isPrivate: false }, role: null };
    },
  } as unknown as RoomsRepository;
  return {
    messages,
    rooms,
    calls,
    /** Holds every insert until `open()` is called. */
    hold() {
      gate = new Promise((r) => (release = r));
    },
    open() {
      gate = null;
      release?.();
    },
  };
}

describe('MessageWriter group commit', () => {
  it('maps a room to one stable lane', () => {
    for (const lanes of [1, 2, 4, 7]) {
      for (const id of ['a', '3f2b8c1e-0000-4000-8000-000000000000', 'room-42']) {
        const lane = laneOf(id, lanes);
        expect(lane).toBe(laneOf(id, lanes));
        expect(lane).toBeGreaterThanOrEqual(0);
        expect(lane).toBeLessThan(lanes);
      }
    }
  });

  it('stores sends of many rooms that arrive in one turn with one statement per lane', async () => {
    const store = fakeStore();
    const committed: Message[] = [];
    const writer = new MessageWriter({ messages: store.messages, rooms: store.rooms, runOps: noOps, onCommit: onMessage((m) => committed.push(m)), lanes: 1 });
    const rooms = ['r1', 'r2', 'r3', 'r4'];
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => writer.send({ roomId: rooms[i % 4]!, author: user(`u${i}`), clientMsgId: `c${i}`, body: `m${i}` })),
    );
    expect(store.calls).toHaveLength(1);
    expect(new Set(store.calls[0]!.map((i) => i.roomId))).toEqual(new Set(rooms));
    expect(results.every((r) => r.created)).toBe(true);
    for (const room of rooms) {
      const seqs = committed.filter((m) => m.roomId === room).map((m) => m.seq);
      expect(seqs).toEqual([...Array(10).keys()].map((k) => k + 1));
    }
    // Within a room, seqs follow the order of the sends.
    const r1 = results.filter((r) => r.message.roomId === 'r1').map((r) => r.message.seq);
    expect(r1).toEqual([...r1].sort((a, b) => a - b));
  });

  it("tells a reader of the database when the batch in flight for a room has handed over its commits", async () => {
    const store = fakeStore();
    const committed: string[] = [];
    const writer = new MessageWriter({ messages: store.messages, rooms: store.rooms, runOps: noOps, onCommit: onMessage((m) => committed.push(m.clientMsgId)), lanes: 1 });
    expect(writer.committing('r1')).toBeUndefined();
    store.hold();
    const sent = writer.send({ roomId: 'r1', author: user('a'), clientMsgId: 'in-flight', body: 'x' });
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    const waiting = writer.committing('r1');
    expect(waiting).toBeInstanceOf(Promise);
    expect(writer.committing('another-room')).toBeUndefined();
    store.open();
    await waiting;
    expect(committed).toEqual(['in-flight']); // onCommit ran before the wait ended
    await sent;
    expect(writer.committing('r1')).toBeUndefined();
  });

  it('keeps one batch in flight per lane; what arrives meanwhile goes in the next, in order', async () => {
    const store = fakeStore();
    const order: string[] = [];
    const writer = new MessageWriter({ messages: store.messages, rooms: store.rooms, runOps: noOps, onCommit: onMessage((m) => order.push(m.clientMsgId)), lanes: 1 });
    store.hold();
    const first = writer.send({ roomId: 'r1', author: user('a'), clientMsgId: 'first', body: 'x' });
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(store.calls).toHaveLength(1);
    const later = [
      writer.send({ roomId: 'r1', author: user('a'), clientMsgId: 'second', body: 'x' }),
      writer.send({ roomId: 'r2', author: user('b'), clientMsgId: 'other-room', body: 'x' }),
      writer.send({ roomId: 'r1', author: user('c'), clientMsgId: 'third', body: 'x' }),
    ];
    await new Promise((r) => setImmediate(r));
    expect(store.calls).toHaveLength(1); // still waiting on the first batch
    store.open();
    await Promise.all([first, ...later]);
    expect(store.calls.map((c) => c.map((i) => i.clientMsgId))).toEqual([['first'], ['second', 'other-room', 'third']]);
    expect(order.filter((id) => id !== 'other-room')).toEqual(['first', 'second', 'third']);
    expect((await later[2]!).message.seq).toBe(3);
  });

  it('runs lanes concurrently but never splits a room across them', async () => {
    const store = fakeStore();
    const writer = new MessageWriter({ messages: store.messages, rooms: store.rooms, runOps: noOps, onCommit: () => undefined, lanes: 4 });
    const rooms = Array.from({ length: 32 }, (_, i) => `room-${i}`);
    await Promise.all(rooms.flatMap((roomId, i) => [0, 1].map((k) => writer.send({ roomId, author: user(`u${i}`), clientMsgId: `${roomId}-${k}`, body: 'x' }))));
    expect(store.calls.length).toBeGreaterThan(1);
    expect(store.calls.length).toBeLessThanOrEqual(4);
    const laneOfRoom = new Map<string, number>();
    store.calls.forEach((call, c) => {
      for (const item of call) {
        expect(laneOfRoom.get(item.roomId) ?? c).toBe(c);
        laneOfRoom.set(item.roomId, c);
      }
    });
  });

  it('calls onCommit for every new message before the sender hears back', async () => {
    const store = fakeStore();
    const seen = new Set<string>();
    const writer = new MessageWriter({ messages: store.messages, rooms: store.rooms, runOps: noOps, onCommit: onMessage((m) => seen.add(m.clientMsgId)) });
    const result = await writer.send({ roomId: 'r', author: user('a'), clientMsgId: 'm1', body: 'x' }).then((r) => {
      expect(seen.has('m1')).toBe(true);
      return r;
    });
    expect(result.created).toBe(true);
  });

  it('stores a clientMsgId repeated in one batch once, and answers a later retry with the original', async () => {
    const store = fakeStore();
    let commits = 0;
    const writer = new MessageWriter({ messages: store.messages, rooms: store.rooms, runOps: noOps, onCommit: () => commits++ });
    const [a, b] = await Promise.all([
      writer.send({ roomId: 'r1', author: user('a'), clientMsgId: 'same', body: 'x' }),
      writer.send({ roomId: 'r1', author: user('a'), clientMsgId: 'same', body: 'x' }),
    ]);
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(b.message.id).toBe(a.message.id);
    const again = await writer.send({ roomId: 'r1', author: user('a'), clientMsgId: 'same', body: 'x' });
    expect(again).toEqual({ message: a.message, created: false });
    expect(commits).toBe(1);
  });

  it('refuses a non-member without failing the rest of the batch', async () => {
    const store = fakeStore({ members: (_room, author) => author !== 'outsider' });
    const writer = new MessageWriter({ messages: store.messages, rooms: store.rooms, runOps: noOps, onCommit: () => undefined });
    const [ok, refused] = await Promise.allSettled([
      writer.send({ roomId: 'r1', author: user('a'), clientMsgId: 'ok', body: 'x' }),
      writer.send({ roomId: 'r2', author: user('outsider'), clientMsgId: 'no', body: 'x' }),
    ]);
    expect(ok.status).toBe('fulfilled');
    expect(refused.status).toBe('rejected');
    expect((refused as PromiseRejectedResult).reason.code).toBe('NOT_A_MEMBER');
  });

  it('retries the whole batch after a unique violation or a deadlock, storing each message once', async () => {
    for (const code of ['23505', '40P01']) {
      const store = fakeStore({ failFirst: Object.assign(new Error('conflict'), { code }) });
      const writer = new MessageWriter({ messages: store.messages, rooms: store.rooms, runOps: noOps, onCommit: () => undefined });
      const r = await writer.send({ roomId: 'r1', author: user('a'), clientMsgId: `x-${code}`, body: 'x' });
      expect(r.created).toBe(true);
      expect(store.calls).toHaveLength(2);
    }
  });

  it('fails the batch with UNAVAILABLE on any other error, and close() waits for what was accepted', async () => {
    const store = fakeStore({ failFirst: new Error('connection lost') });
    const writer = new MessageWriter({ messages: store.messages, rooms: store.rooms, runOps: noOps, onCommit: () => undefined, log: { error: () => undefined } });
    const failed = writer.send({ roomId: 'r1', author: user('a'), clientMsgId: 'lost', body: 'x' });
    const closing = writer.close();
    await expect(failed).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await closing;
    await expect(writer.send({ roomId: 'r1', author: user('a'), clientMsgId: 'late', body: 'x' })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});

describe('MessageWriter admission (slow mode)', () => {
  it('stores sends in arrival order when an earlier one waits for admission, and close() waits for it', async () => {
    const store = fakeStore();
    const order: string[] = [];
    let admitFirst!: () => void;
    const slow = new Promise<undefined>((r) => (admitFirst = () => r(undefined)));
    // The first send's admission is pending (a slow-mode read); the rest are admitted at once.
    const admit = (input: { clientMsgId: string }) => (input.clientMsgId === 'first' ? slow : null);
    const writer = new MessageWriter({ messages: store.messages, rooms: store.rooms, runOps: noOps, onCommit: onMessage((m) => order.push(m.clientMsgId)), admit });
    const sent = ['first', 'second', 'third'].map((id) => writer.send({ roomId: 'r1', author: user('a'), clientMsgId: id, body: 'x' }));
    const other = writer.send({ roomId: 'r2', author: user('b'), clientMsgId: 'other-room', body: 'x' });
    await other; // another room does not wait for r1's admission
    const closed = writer.close();
    let closedYet = false;
    void closed.then(() => (closedYet = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(closedYet).toBe(false); // accepted sends are still being admitted
    admitFirst();
    const results = await Promise.all(sent);
    await closed;
    expect(results.map((r) => r.message.seq)).toEqual([1, 2, 3]);
    expect(order).toEqual(['other-room', 'first', 'second', 'third']);
  });

  it('refuses what admission refuses, without holding back the next send', async () => {
    const store = fakeStore();
    const admit = (input: { clientMsgId: string }) =>
      input.clientMsgId === 'too-fast' ? Promise.reject(Object.assign(new Error('slow mode'), { code: 'RATE_LIMITED' })) : null;
    const writer = new MessageWriter({ messages: store.messages, rooms: store.rooms, runOps: noOps, onCommit: () => undefined, admit });
    const refused = writer.send({ roomId: 'r1', author: user('a'), clientMsgId: 'too-fast', body: 'x' });
    const next = writer.send({ roomId: 'r1', author: user('b'), clientMsgId: 'fine', body: 'x' });
    await expect(refused).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect((await next).message.seq).toBe(1);
    await writer.close();
  });
});

describe('group commit on the database', () => {
  let server: TestServer;
  let owner: Account;
  beforeAll(async () => {
    server = await startServer({ SEND_RATE_PER_SEC: '100000', SEND_BURST: '100000' });
    owner = await register(server.app);
  });
  afterAll(() => server?.close());

  it('gives every room gap-free seqs in send order when many rooms commit in the same statements', async () => {
    const rooms = await Promise.all(Array.from({ length: 6 }, () => createRoom(server.app, owner).then((r) => r.room)));
    const writers = await Promise.all(Array.from({ length: 3 }, () => register(server.app)));
    for (const w of writers) for (const room of rooms) await joinRoom(server.app, w, room);
    const sockets = await Promise.all(writers.map((w) => WsClient.connect(server.wsUrl, w.token)));
    const perRoom = 8;
    const acks: Promise<unknown>[] = [];
    sockets.forEach((ws, w) => {
      for (let i = 0; i < perRoom; i++) {
        for (const room of rooms) {
          const clientMsgId = `gc-${w}-${room.id}-${i}`;
          ws.send({ type: 'send', roomId: room.id, clientMsgId, body: `writer ${w} #${i}` });
          acks.push(ws.next((f) => f.type === 'ack' && f.clientMsgId === clientMsgId, 15_000));
        }
      }
    });
    await Promise.all(acks);
    for (const room of rooms) {
      const all = sockets.flatMap((ws) => ws.messages(room.id));
      const seqs = all.map((m) => m.seq).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: writers.length * perRoom }, (_, k) => k + 1));
      // Each writer's messages in a room got increasing seqs in the order they were sent.
      sockets.forEach((ws, w) => {
        const mine = ws.messages(room.id).filter((m) => m.clientMsgId.startsWith(`gc-${w}-`));
        const byIndex = [...mine].sort((a, b) => Number(a.clientMsgId.split('-').at(-1)) - Number(b.clientMsgId.split('-').at(-1)));
        expect(byIndex.map((m) => m.seq)).toEqual(mine.map((m) => m.seq).sort((a, b) => a - b));
      });
      const res = await server.app.inject({ url: `/api/rooms/${room.id}`, headers: owner.headers });
      expect(res.json<{ room: { lastSeq: number } }>().room.lastSeq).toBe(writers.length * perRoom);
    }
    await Promise.all(sockets.map((s) => s.close()));
  });

  it('stores a body with a lone surrogate (as U+FFFD) without failing the other messages of its batch', async () => {
    const { room } = await createRoom(server.app, owner);
    const ws = await WsClient.connect(server.wsUrl, owner.token);
    ws.send({ type: 'send', roomId: room.id, clientMsgId: 'plain', body: 'plain "quoted" \\ text ✓' });
    ws.send({ type: 'send', roomId: room.id, clientMsgId: 'lone', body: 'broken \ud800 half' });
    const [plain, lone] = await Promise.all([
      ws.next((f) => f.type === 'ack' && f.clientMsgId === 'plain'),
      ws.next((f) => (f.type === 'ack' || f.type === 'error') && (f.clientMsgId === 'lone' || f.ref === 'lone')),
    ]);
    expect((plain as unknown as { message: Message }).message.body).toBe('plain "quoted" \\ text ✓');
    expect(lone.type).toBe('ack');
    const res = await server.app.inject({ url: `/api/rooms/${room.id}/messages`, headers: owner.headers });
    const bodies = res.json<{ messages: Message[] }>().messages.map((m) => m.body);
    expect(bodies).toEqual(['plain "quoted" \\ text ✓', 'broken \ufffd half']);
    await ws.close();
  });
});

describe('coalesced socket writes', () => {
  it('frames text the way ws does for every length class', async () => {
    const { Sender } = (await import('ws')) as unknown as { Sender: { frame(data: Buffer, options: object): Buffer[] } };
    for (const len of [0, 1, 125, 126, 1000, 65535, 65536, 70000]) {
      const text = 'é'.repeat(Math.floor(len / 2)) + 'a'.repeat(len % 2);
      const ours = encodeTextFrame(text);
      const theirs = Buffer.concat(Sender.frame(Buffer.from(text), { fin: true, opcode: 1, mask: false, readOnly: true, rsv1: false }));
      expect(ours.equals(theirs)).toBe(true);
    }
  });

  it('writes all frames of a turn in order as one Buffer in one write, counting them as buffered', async () => {
    const writes: Buffer[] = [];
    const raw = {
      writable: true,
      write: (b: Buffer) => {
        writes.push(b);
        return true;
      },
      _writableState: { length: 0 },
    };
    const socket = {
      readyState: 1,
      _socket: raw,
      _sender: { _state: 0, _queue: [] },
      get bufferedAmount() {
        return 0;
      },
      send: () => {
        throw new Error('fast path expected');
      },
      close: () => undefined,
    };
    const conn = new Connection(socket as never, user('a'), 's', { softBufferBytes: 1 << 20, hardBufferBytes: 1 << 22 });
    const shared = new OutFrame('{"type":"message","n":1}');
    conn.sendDurable(shared);
    conn.send({ type: 'ack', n: 2 } as never);
    conn.sendEphemeral('{"type":"typing","n":3}');
    expect(writes).toHaveLength(0);
    expect(conn.bufferedAmount).toBeGreaterThan(0);
    await new Promise((r) => setImmediate(r));
    expect(writes).toHaveLength(1);
    // Short frames: a 2-byte header (FIN + text, length), then the payload.
    const texts: string[] = [];
    for (let i = 0, buf = writes[0]!; i < buf.length; i += 2 + buf[i + 1]!) texts.push(buf.subarray(i + 2, i + 2 + buf[i + 1]!).toString());
    expect(texts).toEqual(['{"type":"message","n":1}', '{"type":"ack","n":2}', '{"type":"typing","n":3}']);
    expect(conn.bufferedAmount).toBe(0);
    // A lone broadcast frame goes out as the broadcast's own bytes, not a copy.
    conn.sendDurable(shared);
    await new Promise((r) => setImmediate(r));
    expect(writes[1]).toBe(shared.bytes);
  });

  it('flushes what was queued before the close frame, and nothing after', async () => {
    const order: string[] = [];
    const socket = {
      readyState: 1,
      _socket: { writable: true, write: (b: Buffer) => order.push(b.subarray(2).toString()) },
      _sender: { _state: 0, _queue: [] },
      bufferedAmount: 0,
      send: () => undefined,
      close: () => {
        order.push('CLOSE');
        socket.readyState = 2;
      },
    };
    const conn = new Connection(socket as never, user('a'), 's', { softBufferBytes: 1 << 20, hardBufferBytes: 1 << 22 });
    conn.sendDurable('one');
    conn.close(4009, 'bye');
    conn.sendDurable('two');
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['one', 'CLOSE']);
  });
});
