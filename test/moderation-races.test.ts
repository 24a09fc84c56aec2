/**
 * Moderation racing the reads it invalidates (issue 12 leftovers), on one instance, both databases:
 * a join racing a ban sees the ban; a socket subscribing or connecting while it is kicked is not
 * left subscribed or counted in the room; a role change is pushed to the room and to the user.
 * The races are made deterministic by holding a transaction open or by gating a read (the test
 * wraps the connect-reads repository, which the socket handlers call through at run time).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '../src/protocol.js';
import { barrier, expectError } from './authz-helpers.js';
import { createRoom, joinRoom, postMessage, register, sleep, startServer, uniqueName, WsClient, type Account, type TestServer } from './helpers.js';

let server: TestServer;
let owner: Account;

beforeAll(async () => {
  server = await startServer({ SEND_RATE_PER_SEC: '1000', SEND_BURST: '1000', INVITE_PER_MINUTE: '100000' });
  owner = await register(server.app, uniqueName('own'));
});
afterAll(() => server?.close());

const inject = (who: Account, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
  server.app.inject({ method, url, headers: who.headers, ...(payload ? { payload } : {}) });
const database = () => server.db.database;

/** A gate: `wait()` blocks until `open()`; `reached` resolves when the first waiter arrives. */
function gate() {
  let open!: () => void;
  let arrived!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  const reached = new Promise<void>((r) => (arrived = r));
  return { open, reached, wait: () => (arrived(), opened) };
}

/** Makes the next call of a connect-reads repository method (after its real read) wait at the gate. */
function gateNext<K extends 'roomIdsOfUsers' | 'accessOfPairs'>(name: K, matches: (args: unknown[]) => boolean) {
  const repo = server.app.repos.connectReads as unknown as Record<K, (...args: unknown[]) => Promise<unknown>>;
  const real = repo[name];
  const g = gate();
  repo[name] = async (...args: unknown[]) => {
    const result = await real.apply(server.app.repos.connectReads, args);
    if (!matches(args)) return result;
    repo[name] = real;
    await g.wait();
    return result;
  };
  return g;
}

async function roomWith(...who: Account[]): Promise<{ room: Room; inviteCode?: string }> {
  const created = await createRoom(server.app, owner, { isPrivate: false });
  for (const a of who) await joinRoom(server.app, a, created.room);
  return created;
}

/** A member (`prefix`) and a watcher in one of the owner's rooms, the watcher subscribed on a socket. */
async function watchedRoom(prefix: string): Promise<{ member: Account; room: Room; watcherWs: WsClient }> {
  const member = await register(server.app, uniqueName(prefix));
  const watcher = await register(server.app, uniqueName('wat'));
  const { room } = await roomWith(member, watcher);
  const watcherWs = await WsClient.connect(server.wsUrl, watcher.token);
  await watcherWs.subscribe(room.id);
  return { member, room, watcherWs };
}

const memberRows = async (roomId: string, userId: string) =>
  (await database().rows<{ n: number }>(sql`SELECT count(*)::int AS n FROM room_members WHERE room_id = ${roomId}::uuid AND user_id = ${userId}::uuid`))[0]!.n;

describe('a join racing a ban', () => {
  it.each(['by id', 'by invite'] as const)('%s: the join waits for the ban holding the room lock and then sees it (403 BANNED, no membership)', async (how) => {
    const created = await createRoom(server.app, owner, { isPrivate: how === 'by invite' });
    const roomId = created.room.id;
    const victim = await register(server.app, uniqueName('vic'));
    const held = gate();
    let locked!: () => void;
    const lockTaken = new Promise<void>((r) => (locked = r));
    // What a ban does (services/moderation.ts): lock the room row, write the ban; held open here.
    const ban = database().db.transaction(async (tx) => {
      await tx.execute(sql`SELECT id FROM rooms WHERE id = ${roomId}::uuid FOR UPDATE`);
      await tx.execute(sql`INSERT INTO room_bans (room_id, user_id, reason, banned_by) VALUES (${roomId}::uuid, ${victim.user.id}::uuid, 'race', ${owner.user.id}::uuid)`);
      locked();
      await held.wait();
    });
    await lockTaken;
    const join = how === 'by id' ? inject(victim, 'POST', `/api/rooms/${roomId}/join`) : inject(victim, 'POST', '/api/rooms/join', { inviteCode: created.inviteCode });
    if (database().kind === 'postgres') {
      // The access read ran before the ban committed (it allowed the join): the join now waits for the room lock.
      for (;;) {
        const [w] = await database().rows<{ n: number }>(sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        if (w!.n > 0) break;
        await sleep(10);
      }
    } else {
      await sleep(50); // the embedded database runs one transaction at a time: the join's reads wait for the ban
    }
    held.open();
    await ban;
    expectError(await join, 403, 'BANNED');
    expect(await memberRows(roomId, victim.user.id)).toBe(0);
    const [room] = await database().rows<{ member_count: number }>(sql`SELECT member_count FROM rooms WHERE id = ${roomId}::uuid`);
    expect(room!.member_count).toBe(1);
  });

  it('without a ban a join is unchanged: 200, one membership, idempotent', async () => {
    const { room } = await createRoom(server.app, owner);
    const who = await register(server.app, uniqueName('ok'));
    for (let i = 0; i < 2; i++) expect((await inject(who, 'POST', `/api/rooms/${room.id}/join`)).statusCode).toBe(200);
    expect(await memberRows(room.id, who.user.id)).toBe(1);
  });
});

describe('a socket racing a kick', () => {
  it('subscribing while kicked: the access read answered "member", the kick lands before it returns; nothing of the room reaches the socket', async () => {
    const { member: victim, room, watcherWs } = await watchedRoom('vic');
    const ws = await WsClient.connect(server.wsUrl, victim.token);
    await barrier(ws);
    const g = gateNext('accessOfPairs', (args) => (args[0] as { roomId: string; userId: string }[]).some((p) => p.roomId === room.id && p.userId === victim.user.id));
    ws.send({ type: 'subscribe', roomId: room.id });
    await g.reached;
    expect((await inject(owner, 'POST', `/api/rooms/${room.id}/members/${victim.user.id}/kick`)).statusCode).toBe(204);
    g.open();
    expect(await ws.next((f) => f.type === 'member' && f.action === 'kicked')).toMatchObject({ roomId: room.id, user: { id: victim.user.id } });
    const after = await postMessage(server.app, owner, room.id, 'after the kick');
    await watcherWs.next((f) => f.type === 'message' && f.message.id === after.id);
    await barrier(ws);
    expect(ws.frames.some((f) => f.type === 'subscribed')).toBe(false);
    expect(ws.messages(room.id)).toEqual([]);
    expect([...(server.app.hub.registry.subscribers(room.id) ?? [])].some((c) => c.user.id === victim.user.id)).toBe(false);
    await Promise.all([ws.close(), watcherWs.close()]);
  });

  it("connecting while kicked: the rooms read before the kick does not put the user back in the room's presence", async () => {
    const { member: victim, room, watcherWs } = await watchedRoom('vic');
    const g = gateNext('roomIdsOfUsers', (args) => (args[0] as string[]).includes(victim.user.id));
    const ws = await WsClient.connect(server.wsUrl, victim.token);
    await g.reached;
    expect((await inject(owner, 'POST', `/api/rooms/${room.id}/members/${victim.user.id}/kick`)).statusCode).toBe(204);
    g.open();
    await barrier(ws); // frames queued behind the rooms read run after it: the read has been applied
    expect([...server.app.hub.presence.localUsersIn(room.id)]).not.toContain(victim.user.id);
    // The room's settings go to its members online here: not to the kicked user.
    expect((await inject(owner, 'PATCH', `/api/rooms/${room.id}`, { description: 'after the kick' })).statusCode).toBe(200);
    await watcherWs.next((f) => f.type === 'room');
    await barrier(ws);
    expect(ws.frames.some((f) => f.type === 'room')).toBe(false);
    expect(watcherWs.frames.some((f) => f.type === 'presence' && f.userId === victim.user.id && f.online === true)).toBe(false);
    await Promise.all([ws.close(), watcherWs.close()]);
  });
});

describe('role changes', () => {
  it('a promotion reaches the room and the user (even unsubscribed); a demotion too; the same role again sends nothing', async () => {
    const { member: target, room, watcherWs } = await watchedRoom('tgt');
    const targetWs = await WsClient.connect(server.wsUrl, target.token);
    for (const role of ['moderator', 'moderator', 'member'] as const) {
      expect((await inject(owner, 'PUT', `/api/rooms/${room.id}/members/${target.user.id}/role`, { role })).statusCode).toBe(200);
    }
    await Promise.all([barrier(watcherWs), barrier(targetWs)]);
    for (const ws of [watcherWs, targetWs]) {
      const frames = ws.frames.filter((f) => f.type === 'member' && f.action === 'role');
      expect(frames).toEqual([
        { type: 'member', roomId: room.id, action: 'role', user: expect.objectContaining({ id: target.user.id }), role: 'moderator' },
        { type: 'member', roomId: room.id, action: 'role', user: expect.objectContaining({ id: target.user.id }), role: 'member' },
      ]);
    }
    await Promise.all([watcherWs.close(), targetWs.close()]);
  });

  it('the owner leaving: the longest-standing member is told they are owner, the room gets the new ownerId', async () => {
    const leaver = await register(server.app, uniqueName('own'));
    const heir = await register(server.app, uniqueName('heir'));
    const { room } = await createRoom(server.app, leaver);
    await joinRoom(server.app, heir, room);
    const heirWs = await WsClient.connect(server.wsUrl, heir.token);
    await heirWs.subscribe(room.id);
    expect((await inject(leaver, 'POST', `/api/rooms/${room.id}/leave`)).statusCode).toBe(204);
    expect(await heirWs.next((f) => f.type === 'member' && f.action === 'role')).toMatchObject({ roomId: room.id, user: { id: heir.user.id }, role: 'owner' });
    expect(await heirWs.next((f) => f.type === 'room')).toMatchObject({ room: { id: room.id, ownerId: heir.user.id } });
    await heirWs.close();
  });
});
