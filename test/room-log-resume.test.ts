/**
 * Resume over the room log on one instance: a client that comes back with `sinceSeq` while others
 * send, edit, delete and react gets exactly the missed events, in order, once each, and applying
 * them to what it had equals a fresh HTTP load.
 */
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { LogFrame, Message } from '../src/protocol.js';
import { createRoom, joinRoom, register, WsClient, type Account, type TestServer } from './helpers.js';
import { churn, logFramesOf, project, type RoomLogApi, roomLogSuite, seqOfFrame } from './room-log-helpers.js';

let server!: TestServer, api!: RoomLogApi, alice!: Account, bob!: Account, carol!: Account;
roomLogSuite((scene) => ({ server, api, alice, bob, carol } = scene));

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
  it("never serves the log past the room's last_seq: an event stored beyond it (still committing) waits, so no read shows a newer event while missing an older one", async () => {
    const { room } = await createRoom(server.app, alice);
    const roomId = room.id;
    const first = (await api.post(alice, roomId, 'one')).json<{ message: Message }>().message;
    await api.post(alice, roomId, 'two');
    const before = (await api.events(alice, roomId, 0)).json<{ events: LogFrame[] }>();
    expect(before.events.map(seqOfFrame)).toEqual([first.seq, first.seq + 1]);
    // What a writer holding the room row looks like to a reader: its event row is there (another
    // snapshot may see it) but last_seq does not cover it yet.
    const ahead = first.seq + 2;
    await server.app.database.rows(
      sql`INSERT INTO room_events (room_id, seq, kind, message_id, actor_id, payload)
          VALUES (${roomId}::uuid, ${ahead}, 'edit', ${first.id}::uuid, ${alice.user.id}::uuid,
                  ${JSON.stringify({ type: 'edit', roomId, seq: ahead, messageId: first.id, body: 'later', mentions: [], mentionsRoom: false, editedAt: new Date().toISOString() })}::jsonb)`,
    );
    const page = (await api.events(alice, roomId, 0)).json<{ events: LogFrame[]; hasMore: boolean }>();
    expect(page.events.map(seqOfFrame)).toEqual([first.seq, first.seq + 1]);
    expect(page.hasMore).toBe(false);
    // Once last_seq covers it (the writer committed), it is served.
    await server.app.database.rows(sql`UPDATE rooms SET last_seq = ${ahead} WHERE id = ${roomId}::uuid`);
    const after = (await api.events(alice, roomId, first.seq + 1)).json<{ events: LogFrame[] }>();
    expect(after.events.map(seqOfFrame)).toEqual([ahead]);
  });

  it('a crowd resuming from the same seq at once shares the replay reads, and each client still gets every missed event exactly once while new ones arrive', async () => {
    const { room } = await createRoom(server.app, alice);
    const roomId = room.id;
    const crowd = await Promise.all(Array.from({ length: 12 }, () => register(server.app)));
    for (const a of crowd) await joinRoom(server.app, a, room);
    for (let i = 0; i < 130; i++) await api.post(alice, roomId, `before ${i}`);
    const since = 10;
    const repo = server.app.repos.roomLog;
    const original = repo.eventsAfter.bind(repo);
    let reads = 0;
    repo.eventsAfter = (input) => {
      reads++;
      return original(input);
    };
    try {
      const clients = await Promise.all(crowd.map((a) => WsClient.connect(server.wsUrl, a.token)));
      const going = (async () => {
        for (let i = 0; i < 20; i++) await api.post(bob, roomId, `during ${i}`);
      })();
      const subs = await Promise.all(clients.map((c) => c.subscribe(roomId, since)));
      await going;
      const lastSeq = (await api.call(alice, 'GET', `/api/rooms/${roomId}`)).json<{ room: { lastSeq: number } }>().room.lastSeq;
      for (const c of clients) await c.next((f) => logFramesOf([f], roomId).some((e) => seqOfFrame(e) === lastSeq), 10_000);
      for (const [i, c] of clients.entries()) {
        expect(subs[i]).toMatchObject({ type: 'subscribed', recovered: true });
        expect(logFramesOf(c.frames, roomId).map(seqOfFrame)).toEqual(Array.from({ length: lastSeq - since }, (_, k) => since + 1 + k));
      }
      // 12 clients, each replaying at least two pages (120+ missed events): far fewer reads than 24.
      expect(reads).toBeLessThan(clients.length * 2);
      await Promise.all(clients.map((c) => c.close()));
    } finally {
      repo.eventsAfter = original;
    }
  }, 60_000);
});
