/**
 * A subscriber back after a short drop, while others stay in the room, is replayed from the events
 * this instance delivered last (src/realtime/recent-log.ts) instead of the database: exactly the
 * frames the database replay gives, with no read. A gap holding a deletion, or one after a profile
 * change, is read from the database (tombstones, current authors), with the same guarantees.
 */
import { describe, expect, it, vi } from 'vitest';
import type { LogFrame, Message } from '../src/protocol.js';
import { createRoom, joinRoom, WsClient, type Account, type TestServer } from './helpers.js';
import { logFramesOf, type RoomLogApi, roomLogSuite, seqOfFrame } from './room-log-helpers.js';

let server!: TestServer, api!: RoomLogApi, alice!: Account, bob!: Account, carol!: Account;
roomLogSuite((scene) => ({ server, api, alice, bob, carol } = scene));

/** A room alice watches, carol's last seq in it, and what goes on while carol is away. */
async function scene(away: (roomId: string, first: Message) => Promise<void>) {
  const { room } = await createRoom(server.app, alice);
  await joinRoom(server.app, bob, room);
  await joinRoom(server.app, carol, room);
  const watcher = await WsClient.connect(server.wsUrl, alice.token);
  await watcher.subscribe(room.id);
  const first = (await api.post(bob, room.id, 'first')).json<{ message: Message }>().message;
  await api.post(alice, room.id, 'second');
  const since = first.seq + 1;
  await away(room.id, first);
  const lastSeq = (await api.call(carol, 'GET', `/api/rooms/${room.id}`)).json<{ room: { lastSeq: number } }>().room.lastSeq;
  // Everything carol missed has reached the instance (the watcher got it).
  await watcher.next((f) => logFramesOf([f], room.id).some((e) => seqOfFrame(e) === lastSeq), 5000);
  return { roomId: room.id, since, lastSeq, watcher };
}

/** Carol resumes from `since`: what she gets, and how many replay reads the database served. */
async function resume(roomId: string, since: number, lastSeq: number) {
  const reads = vi.spyOn(server.app.repos.roomLog, 'eventsAfter');
  try {
    const ws = await WsClient.connect(server.wsUrl, carol.token);
    expect(await ws.subscribe(roomId, since)).toMatchObject({ type: 'subscribed', recovered: true, lastSeq });
    await ws.next((f) => logFramesOf([f], roomId).some((e) => seqOfFrame(e) === lastSeq), 5000);
    await new Promise((r) => setTimeout(r, 50)); // nothing more may come
    const frames = logFramesOf(ws.frames, roomId);
    await ws.close();
    return { frames, reads: reads.mock.calls.length };
  } finally {
    reads.mockRestore();
  }
}

describe('resume from the events delivered last', () => {
  it('replays a short gap from memory: exactly the database replay, once each, no read', async () => {
    const { roomId, since, lastSeq, watcher } = await scene(async (roomId, first) => {
      for (let i = 0; i < 5; i++) await api.post([alice, bob][i % 2]!, roomId, `while away ${i}`);
      await api.edit(bob, roomId, first.id, 'first, edited');
      await api.react(alice, roomId, first.id, '👍');
    });
    const { frames, reads } = await resume(roomId, since, lastSeq);
    expect(reads).toBe(0);
    expect(frames.map(seqOfFrame)).toEqual(Array.from({ length: lastSeq - since }, (_, k) => since + 1 + k));
    expect(new Set(frames.map((f) => f.type))).toEqual(new Set(['message', 'edit', 'reaction']));
    // Byte for byte what the database replays for the same gap (messages as created, then events).
    const stored: LogFrame[] = await api.allEvents(carol, roomId, since);
    expect(frames).toEqual(stored);
    await watcher.close();
  });

  it('a gap holding a deletion is read from the database: the tombstone, never the deleted text', async () => {
    const { roomId, since, lastSeq, watcher } = await scene(async (roomId) => {
      const doomed = (await api.post(bob, roomId, 'regret this')).json<{ message: Message }>().message;
      await api.post(alice, roomId, 'after it');
      expect((await api.remove(bob, roomId, doomed.id)).statusCode).toBe(204);
    });
    const { frames, reads } = await resume(roomId, since, lastSeq);
    expect(reads).toBeGreaterThan(0);
    expect(frames.map(seqOfFrame)).toEqual(Array.from({ length: lastSeq - since }, (_, k) => since + 1 + k));
    expect(JSON.stringify(frames)).not.toContain('regret this');
    expect(frames).toEqual(await api.allEvents(carol, roomId, since));
    await watcher.close();
  });

  it('after a profile change the gap is read from the database (authors as they are now)', async () => {
    const { roomId, since, lastSeq, watcher } = await scene(async (roomId) => {
      await api.post(bob, roomId, 'before the rename');
      expect((await api.call(bob, 'PATCH', '/api/users/me', { displayName: 'Bobby' })).statusCode).toBe(200);
    });
    const { frames, reads } = await resume(roomId, since, lastSeq);
    expect(reads).toBeGreaterThan(0);
    expect(frames).toEqual(await api.allEvents(carol, roomId, since));
    expect(frames.some((f) => f.type === 'message' && f.message.author.displayName === 'Bobby')).toBe(true);
    await watcher.close();
  });
});
