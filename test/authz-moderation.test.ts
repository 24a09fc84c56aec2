/**
 * Authorization of running a room (issue 12), beside test/authz.test.ts: every moderation route
 * for a public and a private room and every actor (anonymous, outsider, banned, member,
 * moderator, owner), each acting on a plain member `target`; then the rank rule (nobody acts on
 * an equal or a better), joining while banned, and who hears the new server frames.
 */
import { sql } from 'drizzle-orm';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '../src/protocol.js';
import { barrier, expectError, recorder } from './authz-helpers.js';
import { createRoom, joinRoom, register, startServer, uniqueName, WsClient, type Account, type TestServer } from './helpers.js';

type Actor = 'anonymous' | 'outsider' | 'banned' | 'member' | 'moderator' | 'owner';
type Signed = Exclude<Actor, 'anonymous'> | 'target';
type Kind = 'public' | 'private';
const ACTORS: Actor[] = ['anonymous', 'outsider', 'banned', 'member', 'moderator', 'owner'];

let server: TestServer;
const accounts = {} as Record<Signed, Account>;
const http = recorder(() => server.app);

beforeAll(async () => {
  server = await startServer({ INVITE_PER_MINUTE: '100000', SEND_RATE_PER_SEC: '100000', SEND_BURST: '100000' });
  for (const a of ['outsider', 'banned', 'member', 'moderator', 'owner', 'target'] as Signed[]) accounts[a] = await register(server.app, uniqueName(a.slice(0, 8)));
});
afterAll(() => server?.close());

interface Fixture {
  room: Room;
  inviteCode: string | undefined;
}

/** A room with every actor in place: member, moderator and target joined; banned joined then banned. */
async function fixture(kind: Kind): Promise<Fixture> {
  const { room, inviteCode } = await createRoom(server.app, accounts.owner, { isPrivate: kind === 'private' });
  for (const a of ['banned', 'member', 'moderator', 'target'] as Signed[]) await joinRoom(server.app, accounts[a], room, inviteCode);
  await server.db.database.rows(sql`UPDATE room_members SET role = 'moderator' WHERE room_id = ${room.id}::uuid AND user_id = ${accounts.moderator.user.id}::uuid`);
  const ban = await server.app.inject({ method: 'PUT', url: `/api/rooms/${room.id}/bans/${accounts.banned.user.id}`, headers: accounts.owner.headers, payload: {} });
  expect(ban.statusCode).toBe(204);
  return { room, inviteCode };
}

const target = () => accounts.target.user.id;
const ROUTES = {
  'PATCH /rooms/:id': (f: Fixture): InjectOptions => ({ method: 'PATCH', url: `/api/rooms/${f.room.id}`, payload: { description: 'changed', slowModeSec: 5 } }),
  'DELETE /rooms/:id': (f: Fixture): InjectOptions => ({ method: 'DELETE', url: `/api/rooms/${f.room.id}` }),
  'POST invite-code': (f: Fixture): InjectOptions => ({ method: 'POST', url: `/api/rooms/${f.room.id}/invite-code` }),
  'DELETE image': (f: Fixture): InjectOptions => ({ method: 'DELETE', url: `/api/rooms/${f.room.id}/image` }),
  'PUT role': (f: Fixture): InjectOptions => ({ method: 'PUT', url: `/api/rooms/${f.room.id}/members/${target()}/role`, payload: { role: 'moderator' } }),
  'POST kick': (f: Fixture): InjectOptions => ({ method: 'POST', url: `/api/rooms/${f.room.id}/members/${target()}/kick` }),
  'PUT ban': (f: Fixture): InjectOptions => ({ method: 'PUT', url: `/api/rooms/${f.room.id}/bans/${target()}`, payload: { reason: 'r' } }),
  'DELETE ban': (f: Fixture): InjectOptions => ({ method: 'DELETE', url: `/api/rooms/${f.room.id}/bans/${accounts.banned.user.id}` }),
  'GET bans': (f: Fixture): InjectOptions => ({ method: 'GET', url: `/api/rooms/${f.room.id}/bans` }),
  'GET audit': (f: Fixture): InjectOptions => ({ method: 'GET', url: `/api/rooms/${f.room.id}/audit` }),
} as const;
type Route = keyof typeof ROUTES;

type Expected = [status: number, code: string | null];
const OUT: Record<Kind, Expected> = { public: [403, 'NOT_A_MEMBER'], private: [404, 'ROOM_NOT_FOUND'] };
const FORBIDDEN: Expected = [403, 'FORBIDDEN'];
const OWNER_ONLY: ReadonlySet<Route> = new Set(['DELETE /rooms/:id', 'PUT role']);
const SUCCESS: Record<Route, number> = {
  'PATCH /rooms/:id': 200,
  'DELETE /rooms/:id': 204,
  'POST invite-code': 200,
  'DELETE image': 200,
  'PUT role': 200,
  'POST kick': 204,
  'PUT ban': 204,
  'DELETE ban': 204,
  'GET bans': 200,
  'GET audit': 200,
};

/** The rule table of docs/protocol.md "Running a room". */
function expected(route: Route, kind: Kind, actor: Actor): Expected {
  if (actor === 'anonymous') return [401, 'UNAUTHORIZED'];
  if (actor === 'outsider' || actor === 'banned') return OUT[kind];
  if (actor === 'member') return FORBIDDEN;
  if (actor === 'moderator' && OWNER_ONLY.has(route)) return FORBIDDEN;
  return [SUCCESS[route], null];
}

const MATRIX: [Route, Kind, Actor, Expected][] = [];
for (const route of Object.keys(ROUTES) as Route[]) {
  for (const kind of ['public', 'private'] as Kind[]) for (const actor of ACTORS) MATRIX.push([route, kind, actor, expected(route, kind, actor)]);
}

async function auditCount(roomId: string): Promise<number> {
  const [row] = await server.db.database.rows<{ n: number }>(sql`SELECT count(*)::int AS n FROM room_audit WHERE room_id = ${roomId}::uuid`);
  return row!.n;
}

describe('moderation HTTP authorization matrix', () => {
  it.each(MATRIX)('%s | %s room | %s -> %j', async (route, kind, actor, [status, code]) => {
    const f = await fixture(kind);
    const before = await auditCount(f.room.id);
    const headers = actor === 'anonymous' ? {} : accounts[actor].headers;
    const res = await http.inject({ ...ROUTES[route](f), headers });
    if (code) {
      expectError(res, status, code);
      // A refusal changes nothing and records nothing; a hidden room's name never leaks.
      expect(await auditCount(f.room.id)).toBe(before);
      if (status === 404) expect(res.body).not.toContain(f.room.name);
      const room = await server.app.inject({ url: `/api/rooms/${f.room.id}`, headers: accounts.owner.headers });
      expect(room.statusCode).toBe(200);
      expect(room.json<{ room: Room }>().room).toMatchObject({ description: '', slowModeSec: 0, memberCount: 4 });
    } else {
      expect(res.statusCode, res.body).toBe(status);
      const reads = route === 'GET bans' || route === 'GET audit';
      expect(await auditCount(f.room.id)).toBe(before + (reads || route === 'DELETE image' ? 0 : 1));
    }
  });
});

describe('the rank rule', () => {
  it('a moderator acts on no owner or moderator; the owner on nobody of their own rank (themselves)', async () => {
    for (const kind of ['public', 'private'] as Kind[]) {
      const f = await fixture(kind);
      const peer = await register(server.app, uniqueName('peer'));
      await joinRoom(server.app, peer, f.room, f.inviteCode);
      await server.db.database.rows(sql`UPDATE room_members SET role = 'moderator' WHERE room_id = ${f.room.id}::uuid AND user_id = ${peer.user.id}::uuid`);
      const base = `/api/rooms/${f.room.id}`;
      for (const victim of [accounts.owner, peer]) {
        const id = victim.user.id;
        expectError(await http.inject({ method: 'POST', url: `${base}/members/${id}/kick`, headers: accounts.moderator.headers }), 403, 'FORBIDDEN');
        expectError(await http.inject({ method: 'PUT', url: `${base}/bans/${id}`, headers: accounts.moderator.headers, payload: {} }), 403, 'FORBIDDEN');
        expectError(await http.inject({ method: 'PUT', url: `${base}/members/${id}/role`, headers: accounts.moderator.headers, payload: { role: 'member' } }), 403, 'FORBIDDEN');
      }
      for (const [method, url, payload] of [
        ['POST', `${base}/members/${accounts.owner.user.id}/kick`, undefined],
        ['PUT', `${base}/bans/${accounts.owner.user.id}`, {}],
        ['PUT', `${base}/members/${accounts.owner.user.id}/role`, { role: 'member' }],
      ] as const) {
        expectError(await http.inject({ method, url, headers: accounts.owner.headers, ...(payload ? { payload } : {}) }), 403, 'FORBIDDEN');
      }
      // The owner demotes and promotes below itself; a moderator kicks and bans a member.
      expect((await http.inject({ method: 'PUT', url: `${base}/members/${peer.user.id}/role`, headers: accounts.owner.headers, payload: { role: 'member' } })).statusCode).toBe(200);
      expect((await http.inject({ method: 'POST', url: `${base}/members/${peer.user.id}/kick`, headers: accounts.moderator.headers })).statusCode).toBe(204);
    }
  });
});

describe('joining while banned', () => {
  it('public: by id 403 BANNED; private: by id 404 (invisible), by invite 403 BANNED; nothing changes', async () => {
    const pub = await fixture('public');
    expectError(await http.inject({ method: 'POST', url: `/api/rooms/${pub.room.id}/join`, headers: accounts.banned.headers }), 403, 'BANNED');
    const priv = await fixture('private');
    expectError(await http.inject({ method: 'POST', url: `/api/rooms/${priv.room.id}/join`, headers: accounts.banned.headers }), 404, 'ROOM_NOT_FOUND');
    expectError(await http.inject({ method: 'POST', url: '/api/rooms/join', headers: accounts.banned.headers, payload: { inviteCode: priv.inviteCode } }), 403, 'BANNED');
    for (const f of [pub, priv]) {
      const room = await server.app.inject({ url: `/api/rooms/${f.room.id}`, headers: accounts.owner.headers });
      expect(room.json<{ room: Room }>().room.memberCount).toBe(4);
    }
  });

  it('a banned user subscribing, sending or typing gets the outsider refusal', async () => {
    for (const kind of ['public', 'private'] as Kind[]) {
      const f = await fixture(kind);
      const ws = await WsClient.connect(server.wsUrl, accounts.banned.token);
      ws.send({ type: 'subscribe', roomId: f.room.id });
      expect(await ws.next((x) => x.type === 'error' && x.ref === f.room.id)).toMatchObject({ code: OUT[kind][1] });
      ws.send({ type: 'send', roomId: f.room.id, clientMsgId: `banned-${kind}`, body: 'let me in' });
      expect(await ws.next((x) => x.type === 'error' && x.ref === `banned-${kind}`)).toMatchObject({ code: OUT[kind][1] });
      await ws.close();
    }
  });
});

describe('who hears room, room_deleted, member role and member kicked frames', () => {
  it('members do; outsiders and the banned never do', async () => {
    const f = await fixture('public');
    const watchers = await Promise.all((['member', 'outsider', 'banned'] as Signed[]).map((a) => WsClient.connect(server.wsUrl, accounts[a].token)));
    await watchers[0]!.subscribe(f.room.id);
    expect((await http.inject({ ...ROUTES['PATCH /rooms/:id'](f), headers: accounts.moderator.headers })).statusCode).toBe(200);
    // A role change there and back (member {role} twice), then the kick of the same target.
    for (const role of ['moderator', 'member']) {
      const url = `/api/rooms/${f.room.id}/members/${accounts.target.user.id}/role`;
      expect((await http.inject({ method: 'PUT', url, payload: { role }, headers: accounts.owner.headers })).statusCode).toBe(200);
    }
    expect((await http.inject({ ...ROUTES['POST kick'](f), headers: accounts.moderator.headers })).statusCode).toBe(204);
    expect((await http.inject({ ...ROUTES['DELETE /rooms/:id'](f), headers: accounts.owner.headers })).statusCode).toBe(204);
    await watchers[0]!.next((x) => x.type === 'room_deleted');
    const heard = watchers[0]!.frames.filter((x) => x.type === 'room' || x.type === 'member' || x.type === 'room_deleted');
    expect(heard.map((x) => (x.type === 'member' ? `member ${String(x.action)}` : x.type))).toEqual(['room', 'member role', 'member role', 'member kicked', 'room_deleted']);
    for (const ws of watchers.slice(1)) {
      await barrier(ws);
      expect(ws.frames.filter((x) => x.type === 'room' || x.type === 'member' || x.type === 'room_deleted')).toEqual([]);
    }
    await Promise.all(watchers.map((w) => w.close()));
  });

  it('never answered a 5xx', () => {
    expect(http.serverErrors()).toEqual([]);
  });
});
