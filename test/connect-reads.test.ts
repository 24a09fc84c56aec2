import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnectReads, type ReplayPage } from '../src/realtime/connect-reads.js';
import { createRoom, joinRoom, postMessage, register, startServer, type TestServer } from './helpers.js';

describe('batched connect reads (one query per turn)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  }, 180_000);
  afterAll(async () => {
    await server?.close();
  });

  it('answers exactly what the per-user queries answer, for many users of several rooms in one turn', async () => {
    const { app } = server;
    const owner = await register(app);
    const a = await register(app);
    const b = await register(app);
    const loner = await register(app);
    const { room: open } = await createRoom(app, owner);
    const { room: other } = await createRoom(app, owner, { isPrivate: true });
    await joinRoom(app, a, open);
    await joinRoom(app, b, open);
    const banned = await register(app);
    await joinRoom(app, banned, open);
    const ban = await app.inject({ method: 'PUT', url: `/api/rooms/${open.id}/bans/${banned.user.id}`, headers: { authorization: `Bearer ${owner.token}` }, payload: {} });
    expect(ban.statusCode).toBe(204);
    const pairLoads: number[] = [];
    const repo = app.repos.connectReads;
    const counting = { ...repo, accessOfPairs: (pairs: Parameters<typeof repo.accessOfPairs>[0]) => (pairLoads.push(pairs.length), repo.accessOfPairs(pairs)) };
    const reads = createConnectReads(counting, app.repos.roomLog);
    const unknownRoom = '00000000-0000-4000-8000-000000000000';
    const users = [owner, a, b, loner, banned].map((x) => x.user.id);

    const [roomIds, access] = await Promise.all([
      Promise.all(users.map((u) => reads.roomIdsOf(u))),
      Promise.all([open.id, other.id, unknownRoom].flatMap((r) => users.map((u) => reads.access(r, u)))),
    ]);
    const expectedRoomIds = await Promise.all(users.map((u) => app.repos.rooms.roomIdsOf(u)));
    expect(roomIds.map((r) => [...r].sort())).toEqual(expectedRoomIds.map((r) => [...r].sort()));
    expect(roomIds[0]).toHaveLength(2);
    expect(roomIds[3]).toEqual([]);

    const expectedAccess = [];
    for (const r of [open.id, other.id, unknownRoom]) for (const u of users) expectedAccess.push(await app.repos.rooms.access(r, u));
    expect(access.map((x) => x && { id: x.room.id, lastSeq: x.room.lastSeq, role: x.role, banned: x.banned })).toEqual(
      expectedAccess.map((x) => x && { id: x.room.id, lastSeq: x.room.lastSeq, role: x.role, banned: x.banned }),
    );
    expect(access.map((x) => (x ? x.role : 'none'))).toEqual(['owner', 'member', 'member', null, null, 'owner', null, null, null, null, ...Array(5).fill('none')]);
    expect(access.map((x) => x?.banned ?? false)).toEqual([false, false, false, false, true, ...Array(10).fill(false)]);
    expect(pairLoads).toEqual([15]); // every (room, user) pair of the turn, three rooms, in one statement
    // One room's users at once (what a cluster's revalidation reads): the same answers.
    const ofOpen = await repo.accessOfUsers(open.id, users);
    expect(users.map((u) => ofOpen.get(u)).map((x) => x && { id: x.room.id, role: x.role, banned: x.banned })).toEqual(
      expectedAccess.slice(0, 5).map((x) => x && { id: x.room.id, role: x.role, banned: x.banned }),
    );
    expect((await repo.accessOfUsers(unknownRoom, users)).size).toBe(0);
  });

  it('reads the replays of a room waiting together once, each page as its own eventsAfter would answer', async () => {
    const { app } = server;
    const owner = await register(app);
    const { room } = await createRoom(app, owner);
    const { room: other } = await createRoom(app, owner);
    for (let i = 0; i < 12; i++) await postMessage(app, owner, room.id, `m${i}`);
    for (let i = 0; i < 3; i++) await postMessage(app, owner, other.id, `o${i}`);
    const last = await app.repos.roomLog.lastSeq(room.id);
    const reads: unknown[] = [];
    const roomLog = {
      eventsAfter: (input: Parameters<typeof app.repos.roomLog.eventsAfter>[0]) => (reads.push(input), app.repos.roomLog.eventsAfter(input)),
    };
    const batched = createConnectReads(app.repos.connectReads, roomLog);
    // Resume points of one room close together (one of them 2 pages long), and another room.
    const asks = [
      { roomId: room.id, after: last - 10, limit: 4, committedUpTo: last },
      { roomId: room.id, after: last - 3, limit: 4, committedUpTo: last - 1 },
      { roomId: room.id, after: last - 3, limit: 4, committedUpTo: last - 1 },
      { roomId: room.id, after: last, limit: 4, committedUpTo: last },
      { roomId: other.id, after: 0, limit: 100, committedUpTo: await app.repos.roomLog.lastSeq(other.id) },
    ];
    const pages = await Promise.all(asks.map((a) => batched.eventsAfter(a)));
    expect(reads).toHaveLength(2); // one per room
    const seqsOf = (p: ReplayPage) => p.events.map((e) => (e.type === 'message' ? e.message.seq : -1));
    expect(seqsOf(pages[0]!)).toEqual([last - 9, last - 8, last - 7, last - 6]);
    expect(pages[0]!.hasMore).toBe(true);
    expect(seqsOf(pages[1]!)).toEqual([last - 2, last - 1, last]);
    expect(pages[1]).toEqual(pages[2]);
    expect(pages[3]).toEqual({ events: [], hasMore: false });
    expect(seqsOf(pages[4]!)).toHaveLength(3);
    // Each page is what the repository answers alone (events as created, bounded by the room's end).
    for (const [i, a] of asks.entries()) {
      const alone = await app.repos.roomLog.eventsAfter({ roomId: a.roomId, after: a.after, limit: a.limit });
      expect(pages[i]!.events).toEqual(alone.events);
      expect(pages[i]!.hasMore).toBe(alone.hasMore);
    }
  });
});
