import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnectReads } from '../src/realtime/connect-reads.js';
import { createRoom, joinRoom, register, startServer, type TestServer } from './helpers.js';

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
    const reads = createConnectReads(app.repos.connectReads);
    const unknownRoom = '00000000-0000-4000-8000-000000000000';
    const users = [owner, a, b, loner].map((x) => x.user.id);

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
    expect(access.map((x) => x && { id: x.room.id, lastSeq: x.room.lastSeq, role: x.role })).toEqual(
      expectedAccess.map((x) => x && { id: x.room.id, lastSeq: x.room.lastSeq, role: x.role }),
    );
    expect(access.map((x) => (x ? x.role : 'none'))).toEqual(['owner', 'member', 'member', null, 'owner', null, null, null, 'none', 'none', 'none', 'none']);
  });
});
