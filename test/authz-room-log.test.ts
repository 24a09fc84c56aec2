/**
 * Authorization of the room log (issue 10), beside test/authz.test.ts: every new route and client
 * frame (edit, delete, react, unreact, events?after, messages?around) for a public and a private
 * room and every actor: anonymous, outsider, ex-member, member, author, moderator, owner; then a
 * deleted message and a message id of another room.
 */
import { sql } from 'drizzle-orm';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message, Room } from '../src/protocol.js';
import { barrier, errorsFor, expectError, recorder } from './authz-helpers.js';
import { createRoom, joinRoom, postMessage, register, startServer, uniqueName, WsClient, type Account, type TestServer } from './helpers.js';

type Actor = 'anonymous' | 'outsider' | 'exMember' | 'member' | 'author' | 'moderator' | 'owner';
type Signed = Exclude<Actor, 'anonymous'>;
type Kind = 'public' | 'private';
const ACTORS: Actor[] = ['anonymous', 'outsider', 'exMember', 'member', 'author', 'moderator', 'owner'];

let server: TestServer;
const accounts = {} as Record<Signed, Account>;
const http = recorder(() => server.app);

beforeAll(async () => {
  server = await startServer({ INVITE_PER_MINUTE: '100000', SEND_RATE_PER_SEC: '100000', SEND_BURST: '100000' });
  for (const a of ['outsider', 'exMember', 'member', 'author', 'moderator', 'owner'] as Signed[]) accounts[a] = await register(server.app, uniqueName(a.slice(0, 8)));
});
afterAll(() => server?.close());

interface Fixture {
  room: Room;
  message: Message;
}

/** A room with every actor in place and one message by the author. */
async function fixture(kind: Kind): Promise<Fixture> {
  const { room, inviteCode } = await createRoom(server.app, accounts.owner, { isPrivate: kind === 'private' });
  for (const a of ['exMember', 'member', 'author', 'moderator'] as Signed[]) await joinRoom(server.app, accounts[a], room, inviteCode);
  const left = await server.app.inject({ method: 'POST', url: `/api/rooms/${room.id}/leave`, headers: accounts.exMember.headers });
  expect(left.statusCode).toBe(204);
  await server.db.database.rows(sql`UPDATE room_members SET role = 'moderator' WHERE room_id = ${room.id}::uuid AND user_id = ${accounts.moderator.user.id}::uuid`);
  const message = await postMessage(server.app, accounts.author, room.id, 'the message');
  return { room, message };
}

const ROUTES = {
  edit: (f: Fixture): InjectOptions => ({ method: 'PATCH', url: `/api/rooms/${f.room.id}/messages/${f.message.id}`, payload: { body: 'edited' } }),
  delete: (f: Fixture): InjectOptions => ({ method: 'DELETE', url: `/api/rooms/${f.room.id}/messages/${f.message.id}` }),
  react: (f: Fixture): InjectOptions => ({ method: 'PUT', url: `/api/rooms/${f.room.id}/messages/${f.message.id}/reactions/${encodeURIComponent('👍')}` }),
  unreact: (f: Fixture): InjectOptions => ({ method: 'DELETE', url: `/api/rooms/${f.room.id}/messages/${f.message.id}/reactions/${encodeURIComponent('👍')}` }),
  events: (f: Fixture): InjectOptions => ({ method: 'GET', url: `/api/rooms/${f.room.id}/events?after=0` }),
  around: (f: Fixture): InjectOptions => ({ method: 'GET', url: `/api/rooms/${f.room.id}/messages?around=${f.message.seq}` }),
} as const;
type Route = keyof typeof ROUTES;

type Expected = [status: number, code: string | null];
const OUT: Record<Kind, [number, string]> = { public: [403, 'NOT_A_MEMBER'], private: [404, 'ROOM_NOT_FOUND'] };
const FORBIDDEN: Expected = [403, 'FORBIDDEN'];

/** What each actor gets, by route: the rule table of docs/protocol.md. */
function expected(route: Route, kind: Kind, actor: Actor): Expected {
  if (actor === 'anonymous') return [401, 'UNAUTHORIZED'];
  if (actor === 'outsider' || actor === 'exMember') return OUT[kind];
  const ok: Expected = [route === 'events' || route === 'around' || route === 'edit' ? 200 : 204, null];
  if (route === 'edit') return actor === 'author' ? ok : FORBIDDEN;
  if (route === 'delete') return actor === 'member' ? FORBIDDEN : ok;
  return ok;
}

const MATRIX: [Route, Kind, Actor, Expected][] = [];
for (const route of Object.keys(ROUTES) as Route[]) {
  for (const kind of ['public', 'private'] as Kind[]) for (const actor of ACTORS) MATRIX.push([route, kind, actor, expected(route, kind, actor)]);
}

describe('room log HTTP authorization matrix', () => {
  it.each(MATRIX)('%s | %s room | %s -> %j', async (route, kind, actor, [status, code]) => {
    const f = await fixture(kind);
    const headers = actor === 'anonymous' ? {} : accounts[actor].headers;
    const res = await http.inject({ ...ROUTES[route](f), headers });
    if (code) expectError(res, status, code);
    else expect(res.statusCode, res.body).toBe(status);
    // A refused change changed nothing.
    const history = await server.app.inject({ url: `/api/rooms/${f.room.id}/messages`, headers: accounts.owner.headers });
    const [m] = history.json<{ messages: Message[] }>().messages;
    if (code && route !== 'events' && route !== 'around') {
      expect(m).toMatchObject({ body: 'the message', deletedAt: null, reactions: [] });
    }
  });
});

/** The WebSocket frame of a route, or null for reads. */
function frameOf(route: Route, f: Fixture): Record<string, unknown> | null {
  const base = { roomId: f.room.id, messageId: f.message.id, ref: `ref-${route}` };
  if (route === 'edit') return { type: 'edit', ...base, body: 'edited' };
  if (route === 'delete') return { type: 'delete', ...base };
  if (route === 'react' || route === 'unreact') return { type: 'react', ...base, emoji: '👍', add: route === 'react' };
  return null;
}

describe('room log WebSocket authorization matrix', () => {
  const rows = MATRIX.filter(([route, , actor]) => actor !== 'anonymous' && frameOf(route, { room: { id: '' } as Room, message: { id: '' } as Message }));
  it.each(rows)('%s frame | %s room | %s -> %j', async (route, kind, actor, [, code]) => {
    const f = await fixture(kind);
    const ws = await WsClient.connect(server.wsUrl, accounts[actor as Signed].token);
    ws.send(frameOf(route, f));
    await barrier(ws);
    const errs = errorsFor(ws, `ref-${route}`);
    if (code) expect(errs.map((e) => e.code)).toEqual([code]);
    else expect(errs).toEqual([]);
    await ws.close();
  });
});

describe('deleted messages and messages of another room', () => {
  it('answers MESSAGE_NOT_FOUND to edit and react on a deleted message; a repeat delete is 204 only for whoever may delete', async () => {
    for (const kind of ['public', 'private'] as Kind[]) {
      const f = await fixture(kind);
      expect((await http.inject({ ...ROUTES.delete(f), headers: accounts.author.headers })).statusCode).toBe(204);
      for (const actor of ['author', 'member', 'owner'] as Signed[]) {
        expectError(await http.inject({ ...ROUTES.edit(f), headers: accounts[actor].headers }), 404, 'MESSAGE_NOT_FOUND');
        expectError(await http.inject({ ...ROUTES.react(f), headers: accounts[actor].headers }), 404, 'MESSAGE_NOT_FOUND');
      }
      for (const actor of ['author', 'moderator', 'owner'] as Signed[]) {
        expect((await http.inject({ ...ROUTES.delete(f), headers: accounts[actor].headers })).statusCode).toBe(204);
      }
      expectError(await http.inject({ ...ROUTES.delete(f), headers: accounts.member.headers }), 403, 'FORBIDDEN');
      expectError(await http.inject({ ...ROUTES.delete(f), headers: accounts.outsider.headers }), ...OUT[kind]);
    }
  });

  it('answers MESSAGE_NOT_FOUND for a message of another room, even one the actor can see', async () => {
    const a = await fixture('public');
    const b = await fixture('public');
    const crossed: Fixture = { room: a.room, message: b.message };
    for (const route of ['edit', 'delete', 'react', 'unreact'] as Route[]) {
      for (const actor of ['author', 'owner'] as Signed[]) {
        expectError(await http.inject({ ...ROUTES[route](crossed), headers: accounts[actor].headers }), 404, 'MESSAGE_NOT_FOUND');
      }
    }
    const ws = await WsClient.connect(server.wsUrl, accounts.author.token);
    ws.send(frameOf('edit', crossed));
    await barrier(ws);
    expect(errorsFor(ws, 'ref-edit').map((e) => e.code)).toEqual(['MESSAGE_NOT_FOUND']);
    await ws.close();
    // b's message is untouched.
    const res = await server.app.inject({ url: `/api/rooms/${b.room.id}/messages`, headers: accounts.owner.headers });
    expect(res.json<{ messages: Message[] }>().messages[0]).toMatchObject({ body: 'the message', deletedAt: null, reactions: [] });
  });

  it('never answered a 5xx', () => {
    expect(http.serverErrors()).toEqual([]);
  });
});
