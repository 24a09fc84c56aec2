/**
 * Resume over the room log on one instance: a client that comes back with `sinceSeq` while others
 * send, edit, delete and react gets exactly the missed events, in order, once each, and applying
 * them to what it had equals a fresh HTTP load.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../src/protocol.js';
import { createRoom, joinRoom, register, startServer, WsClient, type Account, type TestServer } from './helpers.js';
import { churn, logFramesOf, project, roomLogApi, seqOfFrame } from './room-log-helpers.js';

let server: TestServer;
let api: ReturnType<typeof roomLogApi>;
let alice: Account;
let bob: Account;
let carol: Account;

beforeAll(async () => {
  server = await startServer({ SEND_RATE_PER_SEC: '100000', SEND_BURST: '100000' });
  api = roomLogApi(server.app);
  [alice, bob, carol] = await Promise.all([register(server.app), register(server.app), register(server.app)]);
});
afterAll(() => server?.close());

describe('resume with sinceSeq over the room log', () => {
  it('replays exactly the missed edits, deletions and reactions in order while others keep going; the result equals a fresh load', async () => {
    const { room } = await createRoom(server.app, alice);
    await joinRoom(server.app, bob, room);
    await joinRoom(server.app, carol, room);
    const roomId = room.id;
    const seed: Message[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await api.post([alice, bob, carol][i % 3]!, roomId, `seed ${i}`);
      seed.push(res.json<{ message: Message }>().message);
    }
    const ops = {
      post: async (a: Account, body: string, replyToId?: string) => {
        const res = await api.post(a, roomId, body, replyToId ? { replyToId } : {});
        return res.statusCode === 201 ? res.json<{ message: Message }>().message : null;
      },
      edit: (a: Account, id: string, body: string) => api.edit(a, roomId, id, body),
      remove: (a: Account, id: string) => api.remove(a, roomId, id),
      react: (a: Account, id: string, emoji: string, add: boolean) => api.react(a, roomId, id, emoji, add),
    };
    await churn(ops, [alice, bob, carol], seed, 30);

    // The reader's state at `since`, then it goes away while the room goes on.
    const before = await api.history(carol, roomId);
    const since = (await api.call(carol, 'GET', `/api/rooms/${roomId}`)).json<{ room: { lastSeq: number } }>().room.lastSeq;
    const going = churn(ops, [alice, bob, carol], seed, 90);
    await new Promise((r) => setTimeout(r, 30));
    const ws = await WsClient.connect(server.wsUrl, carol.token);
    const sub = await ws.subscribe(roomId, since);
    expect(sub).toMatchObject({ type: 'subscribed', recovered: true });
    await going;
    const lastSeq = (await api.call(carol, 'GET', `/api/rooms/${roomId}`)).json<{ room: { lastSeq: number } }>().room.lastSeq;
    await ws.next((f) => logFramesOf([f], roomId).some((e) => seqOfFrame(e) === lastSeq), 10_000);

    const received = logFramesOf(ws.frames, roomId);
    expect(received.map(seqOfFrame)).toEqual(Array.from({ length: lastSeq - since }, (_, k) => since + 1 + k));
    expect(new Set(received.map((f) => f.type))).toEqual(new Set(['message', 'edit', 'delete', 'reaction']));
    expect(project(before, received)).toEqual(await api.history(carol, roomId));
    // The HTTP fallback: the same seqs, and the same result.
    const fallback = await api.allEvents(carol, roomId, since);
    expect(fallback.map(seqOfFrame)).toEqual(received.map(seqOfFrame));
    expect(project(before, fallback)).toEqual(await api.history(carol, roomId));
    await ws.close();
  }, 60_000);
});
