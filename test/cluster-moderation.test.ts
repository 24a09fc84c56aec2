/**
 * Moderation across instances (issue 12): two real server processes over one Postgres and one
 * Redis. A kicked or banned member's sockets on EVERY instance stop receiving the room at once;
 * settings and deletion reach subscribers everywhere; slow mode holds across instances (the slot
 * lives in Redis). Needs TEST_REDIS_URL and TEST_DATABASE_URL (server:postgres project).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { Message } from '../src/protocol.js';
import { barrier } from './authz-helpers.js';
import { api, clusterEnabled, clusterSuite, REDIS_URL, register, roomIn, waitFor, type Account, type Instance } from './cluster-harness.js';
import { WsClient } from './helpers.js';

describe.skipIf(!clusterEnabled)('moderation across instances (needs TEST_REDIS_URL and TEST_DATABASE_URL)', () => {
  const suite = clusterSuite(['A', 'B']);
  const { instances, prefix } = suite;

  const post = (inst: Instance, who: Account, roomId: string, body: string) =>
    api<{ message: Message }>(inst, 'POST', `/api/rooms/${roomId}/messages`, who.token, { clientMsgId: randomBytes(6).toString('hex'), body });

  /** Owner and watcher on A, the victim with one socket on each instance, all subscribed. */
  async function scene() {
    const [A, B] = instances as [Instance, Instance];
    const [owner, victim, watcher] = await Promise.all([register(A), register(B), register(B)]);
    const roomId = await roomIn(instances, [owner, victim, watcher]);
    const sockets = {
      victimA: await WsClient.connect(A.wsUrl, victim.token),
      victimB: await WsClient.connect(B.wsUrl, victim.token),
      watcherB: await WsClient.connect(B.wsUrl, watcher.token),
    };
    await Promise.all(Object.values(sockets).map((ws) => ws.subscribe(roomId)));
    const close = () => Promise.all(Object.values(sockets).map((ws) => ws.close()));
    return { A, B, owner, victim, watcher, roomId, ...sockets, close };
  }

  it.each(['kick', 'ban'] as const)('a %s on A cuts the member off on A and B at once; the next message reaches only the others', async (how) => {
    const s = await scene();
    const res =
      how === 'kick'
        ? await api(s.A, 'POST', `/api/rooms/${s.roomId}/members/${s.victim.user.id}/kick`, s.owner.token)
        : await api(s.A, 'PUT', `/api/rooms/${s.roomId}/bans/${s.victim.user.id}`, s.owner.token, { reason: 'cluster' });
    expect(res.status).toBe(204);
    // Sent on B right after the 204: B must already have cut the victim's socket there.
    const sent = await post(s.B, s.owner, s.roomId, `after the ${how}`);
    expect(sent.status).toBe(201);
    await s.watcherB.next((f) => f.type === 'message' && f.message.id === sent.body.message.id, 10_000);
    for (const ws of [s.victimA, s.victimB]) {
      expect(await ws.next((f) => f.type === 'member' && f.action === 'kicked', 10_000)).toMatchObject({ roomId: s.roomId, user: { id: s.victim.user.id } });
      await barrier(ws);
      expect(ws.messages(s.roomId).map((m) => m.id)).not.toContain(sent.body.message.id);
    }
    expect(s.watcherB.frames.some((f) => f.type === 'member' && f.action === 'kicked')).toBe(true);
    const again = await api(s.B, 'POST', `/api/rooms/${s.roomId}/join`, s.victim.token);
    expect(again.status).toBe(how === 'ban' ? 403 : 200);
    if (how === 'ban') expect(again.body).toMatchObject({ code: 'BANNED' });
    await s.close();
  });

  it("a promotion on A reaches a subscriber on B and the target's own unsubscribed socket on B; a hand-over pushes both roles", async () => {
    const [A, B] = instances as [Instance, Instance];
    const [owner, target, watcher] = await Promise.all([register(A), register(B), register(B)]);
    const roomId = await roomIn(instances, [owner, target, watcher]);
    const watcherB = await WsClient.connect(B.wsUrl, watcher.token);
    await watcherB.subscribe(roomId);
    // The target's socket is not subscribed to the room: it still learns its own role.
    const targetB = await WsClient.connect(B.wsUrl, target.token);
    const res = await api(A, 'PUT', `/api/rooms/${roomId}/members/${target.user.id}/role`, owner.token, { role: 'moderator' });
    expect(res.status).toBe(200);
    const expected = { type: 'member', roomId, action: 'role', user: { id: target.user.id }, role: 'moderator' };
    expect(await watcherB.next((f) => f.type === 'member' && f.action === 'role', 10_000)).toMatchObject(expected);
    expect(await targetB.next((f) => f.type === 'member' && f.action === 'role', 10_000)).toMatchObject(expected);
    // The same role again changes nothing and sends nothing.
    expect((await api(A, 'PUT', `/api/rooms/${roomId}/members/${target.user.id}/role`, owner.token, { role: 'moderator' })).status).toBe(200);
    // Hand-over: the new owner and the old one (now moderator), then the settings with the new ownerId.
    expect((await api(A, 'PUT', `/api/rooms/${roomId}/members/${target.user.id}/role`, owner.token, { role: 'owner' })).status).toBe(200);
    await watcherB.next((f) => f.type === 'room', 10_000);
    const roleFrames = watcherB.frames.filter((f) => f.type === 'member' && f.action === 'role') as { user: { id: string }; role: string }[];
    expect(roleFrames.map((f) => [f.user.id, f.role])).toEqual([
      [target.user.id, 'moderator'],
      [target.user.id, 'owner'],
      [owner.user.id, 'moderator'],
    ]);
    expect(watcherB.frames.find((f) => f.type === 'room')).toMatchObject({ room: { id: roomId, ownerId: target.user.id } });
    await Promise.all([watcherB.close(), targetB.close()]);
  });

  it('after a Redis outage each instance re-checks its subscriptions: removals and a deletion it did not hear are applied as a kick would', async () => {
    const s = await scene();
    const banned = await register(s.B);
    const other = await roomIn(instances, [s.owner, s.watcher]);
    const bannedB = await WsClient.connect(s.B.wsUrl, banned.token);
    expect((await api(s.A, 'POST', `/api/rooms/${s.roomId}/join`, banned.token)).status).toBe(200);
    await bannedB.subscribe(s.roomId);
    await s.watcherB.subscribe(other);
    // What a kick, a ban and a deletion committed while the bus did not carry them leave behind:
    // the rows changed, no instance told.
    const client = new pg.Client({ connectionString: suite.dbUrl });
    await client.connect();
    await client.query('DELETE FROM room_members WHERE room_id = $1 AND user_id = $2', [s.roomId, s.victim.user.id]);
    await client.query("INSERT INTO room_bans (room_id, user_id, reason) VALUES ($1, $2, 'outage')", [s.roomId, banned.user.id]);
    await client.query('UPDATE rooms SET deleted_at = now() WHERE id = $1', [other]);
    await client.end();
    // The outage: every subscriber connection of ours is cut; they come back and re-check.
    const admin = new Redis(REDIS_URL!);
    const list = (await admin.client('LIST')) as string;
    const ids = list.split('\n').filter((l) => (/name=(\S+)/.exec(l)?.[1] ?? '').startsWith(`${prefix}sub:`)).map((l) => /id=(\d+)/.exec(l)![1]!);
    expect(ids.length).toBe(2);
    for (const id of ids) await admin.client('KILL', 'ID', id);
    admin.disconnect();
    for (const [ws, who] of [[s.victimA, s.victim], [s.victimB, s.victim], [bannedB, banned]] as const) {
      const own = (f: { type: string; action?: unknown; user?: unknown }) => f.type === 'member' && f.action === 'kicked' && (f.user as { id: string }).id === who.user.id;
      expect(await ws.next(own, 15_000)).toMatchObject({ roomId: s.roomId });
    }
    expect(await s.watcherB.next((f) => f.type === 'room_deleted', 15_000)).toEqual({ type: 'room_deleted', roomId: other });
    await waitFor(() => instances.every((i) => i.log.some((l) => l.includes('subscriptions re-checked after the Redis outage'))), 10_000, 'recheck logged');
    // The next message reaches the watcher and none of the removed.
    const sent = await post(s.A, s.owner, s.roomId, 'after the outage');
    expect(sent.status).toBe(201);
    await s.watcherB.next((f) => f.type === 'message' && f.message.id === sent.body.message.id, 10_000);
    for (const ws of [s.victimA, s.victimB, bannedB]) {
      await barrier(ws);
      expect(ws.messages(s.roomId).map((m) => m.id)).not.toContain(sent.body.message.id);
    }
    expect(s.watcherB.frames.filter((f) => f.type === 'member' && f.action === 'kicked').length).toBeGreaterThanOrEqual(2);
    await Promise.all([s.close(), bannedB.close()]);
  }, 60_000);

  it('settings changed on A reach subscribers on B; slow mode holds across instances; deletion on B reaches A', async () => {
    const s = await scene();
    const patched = await api(s.A, 'PATCH', `/api/rooms/${s.roomId}`, s.owner.token, { slowModeSec: 600, description: 'slow now' });
    expect(patched.status).toBe(200);
    expect(await s.watcherB.next((f) => f.type === 'room', 10_000)).toMatchObject({ room: { id: s.roomId, slowModeSec: 600, description: 'slow now' } });
    expect((await post(s.A, s.watcher, s.roomId, 'one')).status).toBe(201);
    const second = await post(s.B, s.watcher, s.roomId, 'two, elsewhere');
    expect(second.status).toBe(429);
    expect(second.body).toMatchObject({ code: 'RATE_LIMITED' });
    expect((second.body as unknown as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(0);
    // The owner is exempt on both.
    for (const inst of [s.A, s.B]) expect((await post(inst, s.owner, s.roomId, 'owner')).status).toBe(201);

    expect((await api(s.B, 'DELETE', `/api/rooms/${s.roomId}`, s.owner.token)).status).toBe(204);
    for (const ws of [s.victimA, s.victimB, s.watcherB]) expect(await ws.next((f) => f.type === 'room_deleted', 10_000)).toEqual({ type: 'room_deleted', roomId: s.roomId });
    expect((await api(s.A, 'GET', `/api/rooms/${s.roomId}/messages`, s.watcher.token)).status).toBe(404);
    await s.close();
  });
});
