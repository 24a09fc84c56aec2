/**
 * Running a room (issue 12) end to end on one instance: settings pushed live, invite rotation,
 * role changes and ownership hand-over, kicks and bans cutting the sockets off at once, bans by id
 * and by invite, slow mode, room deletion, and the audit rows each action leaves.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry, Ban, Member, Room } from '../src/protocol.js';
import { barrier, expectError } from './authz-helpers.js';
import { createRoom, joinRoom, postMessage, register, startServer, uniqueName, WsClient, type Account, type TestServer } from './helpers.js';

let server: TestServer;
let owner: Account;
let mod: Account;
let member: Account;
let other: Account;

beforeAll(async () => {
  server = await startServer({ SEND_RATE_PER_SEC: '1000', SEND_BURST: '1000', INVITE_PER_MINUTE: '100000' });
  [owner, mod, member, other] = (await Promise.all(['own', 'mod', 'mem', 'oth'].map((p) => register(server.app, uniqueName(p))))) as [Account, Account, Account, Account];
});
afterAll(() => server?.close());

const inject = (who: Account, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
  server.app.inject({ method, url, headers: who.headers, ...(payload ? { payload } : {}) });

/** A room with a moderator and a member (and `other` outside it). */
async function setup(isPrivate = false): Promise<{ room: Room; inviteCode?: string }> {
  const created = await createRoom(server.app, owner, { isPrivate });
  for (const who of [mod, member]) await joinRoom(server.app, who, created.room, created.inviteCode);
  const res = await inject(owner, 'PUT', `/api/rooms/${created.room.id}/members/${mod.user.id}/role`, { role: 'moderator' });
  expect(res.statusCode).toBe(200);
  return created;
}

async function audit(roomId: string, who = owner): Promise<AuditEntry[]> {
  const res = await inject(who, 'GET', `/api/rooms/${roomId}/audit?limit=100`);
  expect(res.statusCode).toBe(200);
  return res.json<{ entries: AuditEntry[] }>().entries;
}

describe('room settings', () => {
  it('a moderator edits name, description and slow mode; subscribers get a room frame; the change is audited', async () => {
    const { room } = await setup();
    const ws = await WsClient.connect(server.wsUrl, member.token);
    await ws.subscribe(room.id);
    const name = uniqueName('Renamed');
    const res = await inject(mod, 'PATCH', `/api/rooms/${room.id}`, { name: `  ${name} `, description: 'new words', slowModeSec: 30 });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ room: Room }>().room).toMatchObject({ id: room.id, name, description: 'new words', slowModeSec: 30 });
    const frame = await ws.next((f) => f.type === 'room');
    expect(frame).toMatchObject({ type: 'room', room: { id: room.id, name, slowModeSec: 30 } });
    const [entry] = await audit(room.id);
    expect(entry).toMatchObject({ action: 'settings', actor: { id: mod.user.id }, details: { changes: { name: { from: room.name, to: name }, slowModeSec: { from: 0, to: 30 } } } });
    await ws.close();
  });

  it('refuses a public look-alike name (409) and an unchanged patch records nothing', async () => {
    const { room: a } = await setup();
    const { room: b } = await setup();
    expectError(await inject(owner, 'PATCH', `/api/rooms/${b.id}`, { name: a.name.toUpperCase() }), 409, 'ROOM_NAME_TAKEN');
    const before = (await audit(b.id)).length;
    expect((await inject(owner, 'PATCH', `/api/rooms/${b.id}`, { name: b.name })).statusCode).toBe(200);
    expect((await audit(b.id)).length).toBe(before);
  });

  it('a member cannot edit (403) and the room image change is pushed too', async () => {
    const { room } = await setup();
    expectError(await inject(member, 'PATCH', `/api/rooms/${room.id}`, { description: 'x' }), 403, 'FORBIDDEN');
    const ws = await WsClient.connect(server.wsUrl, member.token);
    await ws.subscribe(room.id);
    expect((await inject(mod, 'DELETE', `/api/rooms/${room.id}/image`)).statusCode).toBe(200);
    expect(await ws.next((f) => f.type === 'room')).toMatchObject({ room: { id: room.id, imageUrl: null } });
    await ws.close();
  });

  it('a moderator rotates the invite code: the old one dies at once, audited', async () => {
    const { room, inviteCode } = await setup(true);
    const res = await inject(mod, 'POST', `/api/rooms/${room.id}/invite-code`);
    expect(res.statusCode).toBe(200);
    const fresh = res.json<{ inviteCode: string }>().inviteCode;
    expect(fresh).not.toBe(inviteCode);
    expectError(await inject(other, 'POST', '/api/rooms/join', { inviteCode }), 404, 'INVALID_INVITE');
    expect((await audit(room.id))[0]).toMatchObject({ action: 'invite_rotated', actor: { id: mod.user.id }, details: {} });
  });
});

describe('roles', () => {
  it('hands ownership over in one step: the old owner becomes moderator, rooms.ownerId follows', async () => {
    const { room } = await setup();
    const res = await inject(owner, 'PUT', `/api/rooms/${room.id}/members/${member.user.id}/role`, { role: 'owner' });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ member: Member }>().member).toMatchObject({ user: { id: member.user.id }, role: 'owner' });
    const got = await inject(member, 'GET', `/api/rooms/${room.id}`);
    expect(got.json<{ room: Room }>().room.ownerId).toBe(member.user.id);
    const members = (await inject(member, 'GET', `/api/rooms/${room.id}/members`)).json<{ members: Member[] }>().members;
    expect(Object.fromEntries(members.map((m) => [m.user.id, m.role]))).toMatchObject({ [owner.user.id]: 'moderator', [member.user.id]: 'owner' });
    expect((await audit(room.id, member))[0]).toMatchObject({ action: 'ownership', actor: { id: owner.user.id }, target: { id: member.user.id } });
    // The former owner is now a moderator: no more role changes.
    expectError(await inject(owner, 'PUT', `/api/rooms/${room.id}/members/${mod.user.id}/role`, { role: 'member' }), 403, 'FORBIDDEN');
  });

  it('a moderator cannot kick or ban the owner or another moderator; nobody acts on themselves', async () => {
    const { room } = await setup();
    const mod2 = await register(server.app, uniqueName('mod2'));
    await joinRoom(server.app, mod2, room);
    expect((await inject(owner, 'PUT', `/api/rooms/${room.id}/members/${mod2.user.id}/role`, { role: 'moderator' })).statusCode).toBe(200);
    for (const target of [owner, mod2]) {
      expectError(await inject(mod, 'POST', `/api/rooms/${room.id}/members/${target.user.id}/kick`), 403, 'FORBIDDEN');
      expectError(await inject(mod, 'PUT', `/api/rooms/${room.id}/bans/${target.user.id}`, {}), 403, 'FORBIDDEN');
    }
    expectError(await inject(owner, 'POST', `/api/rooms/${room.id}/members/${owner.user.id}/kick`), 403, 'FORBIDDEN');
    expectError(await inject(owner, 'PUT', `/api/rooms/${room.id}/members/${owner.user.id}/role`, { role: 'member' }), 403, 'FORBIDDEN');
    expectError(await inject(mod, 'PUT', `/api/rooms/${room.id}/members/${member.user.id}/role`, { role: 'moderator' }), 403, 'FORBIDDEN');
    expectError(await inject(owner, 'POST', `/api/rooms/${room.id}/members/${other.user.id}/kick`), 404, 'NOT_A_MEMBER');
  });
});

describe('kicks and bans', () => {
  it('a kick unsubscribes every socket of the member at once; the room hears member kicked', async () => {
    const { room } = await setup();
    const kickedA = await WsClient.connect(server.wsUrl, member.token);
    const kickedB = await WsClient.connect(server.wsUrl, member.token);
    const watcher = await WsClient.connect(server.wsUrl, owner.token);
    await Promise.all([kickedA.subscribe(room.id), watcher.subscribe(room.id)]);
    expect((await inject(mod, 'POST', `/api/rooms/${room.id}/members/${member.user.id}/kick`)).statusCode).toBe(204);
    for (const ws of [kickedA, kickedB, watcher]) {
      expect(await ws.next((f) => f.type === 'member' && f.action === 'kicked')).toMatchObject({ roomId: room.id, user: { id: member.user.id } });
    }
    const after = await postMessage(server.app, owner, room.id, 'after the kick');
    await watcher.next((f) => f.type === 'message' && f.message.id === after.id);
    await barrier(kickedA);
    expect(kickedA.messages(room.id).map((m) => m.id)).not.toContain(after.id);
    expectError(await inject(member, 'GET', `/api/rooms/${room.id}/messages`), 403, 'NOT_A_MEMBER');
    expect((await audit(room.id))[0]).toMatchObject({ action: 'kick', actor: { id: mod.user.id }, target: { id: member.user.id } });
    // A kick is not a ban: joining again works.
    expect((await inject(member, 'POST', `/api/rooms/${room.id}/join`)).statusCode).toBe(200);
    await Promise.all([kickedA.close(), kickedB.close(), watcher.close()]);
  });

  it('a ban kicks, refuses re-joining by id and by invite (403 BANNED), is listed, and lifts', async () => {
    const { room, inviteCode } = await setup(true);
    const ws = await WsClient.connect(server.wsUrl, member.token);
    await ws.subscribe(room.id);
    expect((await inject(mod, 'PUT', `/api/rooms/${room.id}/bans/${member.user.id}`, { reason: '  spam  ' })).statusCode).toBe(204);
    await ws.next((f) => f.type === 'member' && f.action === 'kicked');
    // Private room: by id it stays invisible; by invite the ban answers.
    expectError(await inject(member, 'POST', `/api/rooms/${room.id}/join`), 404, 'ROOM_NOT_FOUND');
    expectError(await inject(member, 'POST', '/api/rooms/join', { inviteCode }), 403, 'BANNED');
    ws.send({ type: 'subscribe', roomId: room.id });
    expect(await ws.next((f) => f.type === 'error' && f.ref === room.id)).toMatchObject({ code: 'ROOM_NOT_FOUND' });
    const bans = (await inject(mod, 'GET', `/api/rooms/${room.id}/bans`)).json<{ bans: Ban[] }>().bans;
    expect(bans).toEqual([expect.objectContaining({ user: expect.objectContaining({ id: member.user.id }), reason: 'spam', bannedBy: expect.objectContaining({ id: mod.user.id }) })]);
    expect((await inject(mod, 'DELETE', `/api/rooms/${room.id}/bans/${member.user.id}`)).statusCode).toBe(204);
    expect((await inject(mod, 'DELETE', `/api/rooms/${room.id}/bans/${member.user.id}`)).statusCode).toBe(204);
    expect((await inject(member, 'POST', '/api/rooms/join', { inviteCode })).statusCode).toBe(200);
    expect((await audit(room.id)).slice(0, 2).map((e) => e.action)).toEqual(['unban', 'ban']);
    await ws.close();
  });

  it('bans someone who already left, or never joined, from a public room', async () => {
    const { room } = await setup();
    expect((await inject(member, 'POST', `/api/rooms/${room.id}/leave`)).statusCode).toBe(204);
    for (const who of [member, other]) {
      expect((await inject(owner, 'PUT', `/api/rooms/${room.id}/bans/${who.user.id}`)).statusCode).toBe(204);
      expectError(await inject(who, 'POST', `/api/rooms/${room.id}/join`), 403, 'BANNED');
    }
    expectError(await inject(owner, 'PUT', `/api/rooms/${room.id}/bans/0b0e2f6c-5d1a-4c3e-9f00-00000000dead`), 404, 'NOT_FOUND');
  });
});

describe('slow mode', () => {
  it('a member sends once per slowModeSec (RATE_LIMITED with retryAfterMs, REST and WS); staff are exempt; retries get their original', async () => {
    const { room } = await setup();
    expect((await inject(owner, 'PATCH', `/api/rooms/${room.id}`, { slowModeSec: 600 })).statusCode).toBe(200);
    const first = await postMessage(server.app, member, room.id, 'first', 'slow-1');
    const refused = expectError(await inject(member, 'POST', `/api/rooms/${room.id}/messages`, { clientMsgId: 'slow-2', body: 'second' }), 429, 'RATE_LIMITED');
    expect(refused.retryAfterMs).toBeGreaterThan(590_000);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(600_000);
    // The retry of the stored message is not refused: the original comes back.
    const retry = await inject(member, 'POST', `/api/rooms/${room.id}/messages`, { clientMsgId: 'slow-1', body: 'first' });
    expect(retry.statusCode).toBe(200);
    expect(retry.json<{ message: { id: string } }>().message.id).toBe(first.id);
    const ws = await WsClient.connect(server.wsUrl, member.token);
    ws.send({ type: 'send', roomId: room.id, clientMsgId: 'slow-3', body: 'third' });
    const err = await ws.next((f) => f.type === 'error' && f.ref === 'slow-3');
    expect(err).toMatchObject({ code: 'RATE_LIMITED' });
    expect((err as { retryAfterMs?: number }).retryAfterMs).toBeGreaterThan(0);
    for (const who of [owner, mod]) {
      await postMessage(server.app, who, room.id, 'staff 1');
      await postMessage(server.app, who, room.id, 'staff 2');
    }
    // Turning it off lets the member send again at once.
    expect((await inject(mod, 'PATCH', `/api/rooms/${room.id}`, { slowModeSec: 0 })).statusCode).toBe(200);
    await postMessage(server.app, member, room.id, 'free again');
    await ws.close();
  });

  it('a refused send does not use the slot (a message to a room the member is not in)', async () => {
    const { room } = await setup();
    expect((await inject(owner, 'PATCH', `/api/rooms/${room.id}`, { slowModeSec: 600 })).statusCode).toBe(200);
    // Too long: refused before anything is stored, the slot stays free.
    expectError(await inject(member, 'POST', `/api/rooms/${room.id}/messages`, { clientMsgId: uniqueName('x'), body: 'x'.repeat(5000) }), 400, 'MESSAGE_TOO_LONG');
    await postMessage(server.app, member, room.id, 'the one message');
  });
});

describe('deleting a room', () => {
  it('only the owner; gone from every list; subscribers told; messages and events 404; name free again; audited', async () => {
    const { room } = await setup();
    await postMessage(server.app, member, room.id, 'soon gone');
    const ws = await WsClient.connect(server.wsUrl, member.token);
    await ws.subscribe(room.id);
    expectError(await inject(mod, 'DELETE', `/api/rooms/${room.id}`), 403, 'FORBIDDEN');
    expect((await inject(owner, 'DELETE', `/api/rooms/${room.id}`)).statusCode).toBe(204);
    expect(await ws.next((f) => f.type === 'room_deleted')).toEqual({ type: 'room_deleted', roomId: room.id });
    const joined = (await inject(member, 'GET', '/api/rooms/joined')).json<{ rooms: Room[] }>().rooms;
    expect(joined.map((r) => r.id)).not.toContain(room.id);
    const listed = (await inject(other, 'GET', `/api/rooms?q=${encodeURIComponent(room.name)}`)).json<{ rooms: Room[] }>().rooms;
    expect(listed.map((r) => r.id)).not.toContain(room.id);
    for (const url of [`/api/rooms/${room.id}`, `/api/rooms/${room.id}/messages`, `/api/rooms/${room.id}/events?after=0`, `/api/rooms/${room.id}/audit`]) {
      expectError(await inject(owner, 'GET', url), 404, 'ROOM_NOT_FOUND');
    }
    expectError(await inject(member, 'POST', `/api/rooms/${room.id}/join`), 404, 'ROOM_NOT_FOUND');
    ws.send({ type: 'send', roomId: room.id, clientMsgId: 'after-delete', body: 'hello?' });
    expect(await ws.next((f) => f.type === 'error' && f.ref === 'after-delete')).toMatchObject({ code: 'ROOM_NOT_FOUND' });
    // The name is free for a new public room.
    const again = await inject(other, 'POST', '/api/rooms', { name: room.name });
    expect(again.statusCode).toBe(201);
    const [row] = await server.db.database.rows<{ action: string; actor_id: string }>(
      sql`SELECT action, actor_id FROM room_audit WHERE room_id = ${room.id}::uuid ORDER BY id DESC LIMIT 1`,
    );
    expect(row).toEqual({ action: 'room_deleted', actor_id: owner.user.id });
    // The purge (the sweeper's first step) removes its messages once the grace is over.
    expect(await server.app.repos.moderation.purgeDeletedRooms(new Date(Date.now() + 1000))).toBeGreaterThan(0);
    const [left] = await server.db.database.rows<{ n: number }>(sql`SELECT count(*)::int AS n FROM messages WHERE room_id = ${room.id}::uuid`);
    expect(left!.n).toBe(0);
    await ws.close();
  });
});

describe('audit', () => {
  it('records a moderator deleting a member message (not an author deleting their own), pages newest first without duplicates', async () => {
    const { room } = await setup();
    const theirs = await postMessage(server.app, member, room.id, 'bad words');
    const own = await postMessage(server.app, member, room.id, 'oops');
    expect((await inject(member, 'DELETE', `/api/rooms/${room.id}/messages/${own.id}`)).statusCode).toBe(204);
    expect((await inject(mod, 'DELETE', `/api/rooms/${room.id}/messages/${theirs.id}`)).statusCode).toBe(204);
    for (let i = 0; i < 4; i++) expect((await inject(owner, 'PATCH', `/api/rooms/${room.id}`, { description: `d${i}` })).statusCode).toBe(200);
    const all = await audit(room.id);
    expect(all.filter((e) => e.action === 'message_deleted')).toEqual([
      expect.objectContaining({ actor: expect.objectContaining({ id: mod.user.id }), target: expect.objectContaining({ id: member.user.id }), details: { messageId: theirs.id } }),
    ]);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await inject(owner, 'GET', `/api/rooms/${room.id}/audit?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      const page = res.json<{ entries: AuditEntry[]; nextCursor: string | null }>();
      seen.push(...page.entries.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.map((e) => e.id));
    expect(all.map((e) => e.createdAt)).toEqual([...all.map((e) => e.createdAt)].sort().reverse());
  });
});
