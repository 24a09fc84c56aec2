/**
 * Authorization of message search (issue 12), beside test/authz.test.ts: GET /api/search, across
 * rooms and with roomId, for a public and a private room and every actor: anonymous, outsider,
 * ex-member, member, moderator, owner. A member finds the room's message; nobody else does, and a
 * roomId they may not read answers as history does (403 public, 404 private).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room, SearchResponse } from '../src/protocol.js';
import { expectError, recorder } from './authz-helpers.js';
import { createRoom, joinRoom, postMessage, register, startServer, uniqueName, type Account, type TestServer } from './helpers.js';

type Actor = 'anonymous' | 'outsider' | 'exMember' | 'member' | 'moderator' | 'owner';
type Signed = Exclude<Actor, 'anonymous'>;
const ACTORS: Actor[] = ['anonymous', 'outsider', 'exMember', 'member', 'moderator', 'owner'];
const READERS: ReadonlySet<Actor> = new Set(['member', 'moderator', 'owner']);

let server: TestServer;
const accounts = {} as Record<Signed, Account>;
const http = recorder(() => server.app);
const rooms = {} as Record<'public' | 'private', { room: Room; word: string }>;

beforeAll(async () => {
  server = await startServer({ INVITE_PER_MINUTE: '100000', SEND_RATE_PER_SEC: '100000', SEND_BURST: '100000' });
  for (const a of ['outsider', 'exMember', 'member', 'moderator', 'owner'] as Signed[]) accounts[a] = await register(server.app, uniqueName(a.slice(0, 8)));
  for (const kind of ['public', 'private'] as const) {
    const { room, inviteCode } = await createRoom(server.app, accounts.owner, { isPrivate: kind === 'private' });
    for (const a of ['exMember', 'member', 'moderator'] as Signed[]) await joinRoom(server.app, accounts[a], room, inviteCode);
    await server.db.database.rows(sql`UPDATE room_members SET role = 'moderator' WHERE room_id = ${room.id}::uuid AND user_id = ${accounts.moderator.user.id}::uuid`);
    const word = `secret${kind}${uniqueName('w').replace(/[^a-z]/g, '')}`;
    await postMessage(server.app, accounts.member, room.id, `the ${word} plan`);
    const left = await server.app.inject({ method: 'POST', url: `/api/rooms/${room.id}/leave`, headers: accounts.exMember.headers });
    expect(left.statusCode).toBe(204);
    rooms[kind] = { room, word };
  }
});
afterAll(() => server?.close());

const get = (actor: Actor, url: string) => http.inject({ url, headers: actor === 'anonymous' ? {} : accounts[actor].headers });

describe.each(['public', 'private'] as const)('GET /api/search, %s room', (kind) => {
  it.each(ACTORS)('%s', async (actor) => {
    const { room, word } = rooms[kind];
    const all = await get(actor, `/api/search?q=${word}`);
    const inRoom = await get(actor, `/api/search?q=${word}&roomId=${room.id}`);
    if (actor === 'anonymous') {
      expectError(all, 401, 'UNAUTHORIZED');
      expectError(inRoom, 401, 'UNAUTHORIZED');
      return;
    }
    expect(all.statusCode, all.body).toBe(200);
    const found = all.json<SearchResponse>().results.map((r) => r.message.roomId);
    if (READERS.has(actor)) {
      expect(found).toEqual([room.id]);
      expect(inRoom.statusCode, inRoom.body).toBe(200);
      expect(inRoom.json<SearchResponse>().results).toHaveLength(1);
    } else {
      expect(found).toEqual([]);
      if (kind === 'public') expectError(inRoom, 403, 'NOT_A_MEMBER');
      else expectError(inRoom, 404, 'ROOM_NOT_FOUND');
    }
  });
});

describe('after all of that', () => {
  it('never answered a 500', () => {
    expect(http.serverErrors()).toEqual([]);
  });
});
