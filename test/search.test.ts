/**
 * GET /api/search on the real database (PGlite here, Postgres in the server:postgres project):
 * phrases, exclusions, unicode (accents, CJK, emoji), metacharacters, rooms left, deleted and
 * edited messages, paging without duplicates, and who may search what.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { Message, SearchResponse } from '../src/protocol.js';
import { createRoom, joinRoom, postMessage, register, startServer, uniqueName, type Account, type TestServer } from './helpers.js';
import { expectError, NO_SUCH_ROOM } from './authz-helpers.js';
import { roomLogApi } from './room-log-helpers.js';
import { parseQuery } from '../src/lib/search-query.js';
import type { SearchAfter } from '../src/repositories/search-repository.js';

let server: TestServer;
let alice: Account;
let bob: Account;
let outsider: Account;
let roomA: string;
let roomB: string;
let privateRoom: string;
let publicOther: string;

/** A word no other test uses (letters only: digits would make it a different token class). */
const word = () => `w${randomBytes(5).toString('hex').replace(/[0-9]/g, (d) => 'ghijklmnop'[Number(d)]!)}`;

async function search(account: Account, params: Record<string, string>) {
  return server.app.inject({ url: `/api/search?${new URLSearchParams(params)}`, headers: account.headers });
}
async function found(account: Account, q: string, extra: Record<string, string> = {}): Promise<SearchResponse['results']> {
  const res = await search(account, { q, limit: '50', ...extra });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<SearchResponse>().results;
}
const bodies = async (account: Account, q: string, extra: Record<string, string> = {}) => (await found(account, q, extra)).map((r) => r.message.body);
/** The highlighted substrings (code points, so emoji count as one). */
const marked = (body: string, ranges: [number, number][]) => ranges.map(([s, e]) => [...body].slice(s, e).join(''));

beforeAll(async () => {
  server = await startServer({ SEND_RATE_PER_SEC: '1000', SEND_BURST: '1000' });
  [alice, bob, outsider] = [await register(server.app, uniqueName('alice')), await register(server.app, uniqueName('bob')), await register(server.app, uniqueName('out'))];
  roomA = (await createRoom(server.app, alice)).room.id;
  roomB = (await createRoom(server.app, alice)).room.id;
  const priv = await createRoom(server.app, alice, { isPrivate: true });
  privateRoom = priv.room.id;
  publicOther = (await createRoom(server.app, outsider)).room.id;
  await joinRoom(server.app, bob, { id: roomA });
  await joinRoom(server.app, bob, { id: privateRoom }, priv.inviteCode);
});
afterAll(() => server?.close());

describe('matching', () => {
  it('finds words case-insensitively, newest first, across the rooms of the reader, with highlights', async () => {
    const w = word();
    await postMessage(server.app, alice, roomA, `first ${w} here`);
    await postMessage(server.app, alice, roomB, `Second ${w.toUpperCase()}!`);
    await postMessage(server.app, alice, roomA, 'nothing to see');
    const results = await found(alice, w);
    expect(results.map((r) => r.message.body)).toEqual([`Second ${w.toUpperCase()}!`, `first ${w} here`]);
    expect(results.map((r) => r.message.roomId)).toEqual([roomB, roomA]);
    expect(results[1]!.highlights).toEqual([[6, 6 + w.length]]);
    // The full v2 Message, as history serves it.
    const history = await server.app.inject({ url: `/api/rooms/${roomA}/messages?limit=100`, headers: alice.headers });
    const fromHistory = history.json<{ messages: Message[] }>().messages.find((m) => m.id === results[1]!.message.id);
    expect(results[1]!.message).toEqual(fromHistory);
  });

  it('matches quoted phrases only in that order, and highlights the phrase words', async () => {
    const [a, b] = [word(), word()];
    await postMessage(server.app, alice, roomA, `${a} ${b} in order`);
    await postMessage(server.app, alice, roomA, `${b} ${a} reversed`);
    await postMessage(server.app, alice, roomA, `${a} then ${b} apart`);
    const results = await found(alice, `"${a} ${b}"`);
    expect(results.map((r) => r.message.body)).toEqual([`${a} ${b} in order`]);
    expect(marked(results[0]!.message.body, results[0]!.highlights)).toEqual([a, b]);
    expect(await bodies(alice, `${a} ${b}`)).toHaveLength(3);
  });

  it('leaves out -word and -"phrase" exclusions, and joins terms with or', async () => {
    const [w, x, y] = [word(), word(), word()];
    await postMessage(server.app, alice, roomA, `${w} with ${x}`);
    await postMessage(server.app, alice, roomA, `${w} with ${y}`);
    await postMessage(server.app, alice, roomA, `${w} alone`);
    expect(await bodies(alice, `${w} -${x}`)).toEqual([`${w} alone`, `${w} with ${y}`]);
    expect(await bodies(alice, `${w} -"with ${y}"`)).toEqual([`${w} alone`, `${w} with ${x}`]);
    expect(await bodies(alice, `${x} or ${y}`)).toEqual([`${w} with ${y}`, `${w} with ${x}`]);
    const [excluded] = await found(alice, `${w} -${x} -${y}`);
    expect(marked(excluded!.message.body, excluded!.highlights)).toEqual([w]);
  });

  it('ignores accents both ways (unaccent) and highlights the accented word', async () => {
    const w = word();
    await postMessage(server.app, alice, roomA, `${w} Crème brûlée, naïve façade, Straße`);
    for (const q of ['creme brulee', 'CRÈME', 'naive facade', 'strasse', 'Straße']) expect(await bodies(alice, `${w} ${q}`), q).toHaveLength(1);
    const [r] = await found(alice, `${w} "creme brulee"`);
    expect(marked(r!.message.body, r!.highlights)).toEqual([w, 'Crème', 'brûlée']);
  });

  it('matches CJK by substring (not only whole runs) and emoji, with code-point highlights after astral characters', async () => {
    const w = word();
    const body = `😀🎉 ${w} 東京タワーへ行きました 🎉 안녕하세요`;
    await postMessage(server.app, alice, roomA, body);
    await postMessage(server.app, alice, roomA, `${w} without them`);
    for (const q of ['東京タワーへ行きました', '東京', 'タワー', '안녕', '🎉']) expect(await bodies(alice, `${w} ${q}`), q).toEqual([body]);
    expect(await bodies(alice, '東京タワー')).toContain(body);
    expect(await bodies(alice, `${w} -🎉`)).toEqual([`${w} without them`]);
    expect(await bodies(alice, `${w} 大阪`)).toEqual([]);
    const [r] = await found(alice, `${w} タワー 🎉`);
    // 😀 and 🎉 are two UTF-16 units each but one code point: the ranges count code points.
    expect(r!.highlights.slice(0, 2)).toEqual([
      [1, 2],
      [3, 3 + w.length],
    ]);
    expect(marked(body, r!.highlights)).toEqual(['🎉', w, 'タワー', '🎉']);
  });

  it('never fails on query syntax or metacharacters: they are plain separators', async () => {
    const w = word();
    await postMessage(server.app, alice, roomA, `${w} costs 100% of it_all`);
    for (const q of [`${w}:*`, `${w} & | ! ( ) ' \\`, `'${w}'`, `(${w})`, `${w} <->`, `"${w}`, `${w}"`, `-${w}-`, `${w} %`, `${w} _`, `${w} or`, `or ${w}`]) {
      const res = await search(alice, { q });
      expect(res.statusCode, `${q}: ${res.body}`).toBe(200);
    }
    expect(await bodies(alice, `${w}:* !!`)).toEqual([`${w} costs 100% of it_all`]);
    expect(await bodies(alice, `${w} it_all`)).toHaveLength(1);
    for (const q of [":*&|!()'\\", '%', '_', '"', '-', 'or', '""']) expect(await bodies(alice, q), q).toEqual([]);
  });
});

describe('what is never found', () => {
  it('a deleted message, and an edited message by its old body (the new one is found)', async () => {
    const [gone, before, after] = [word(), word(), word()];
    const api = roomLogApi(server.app);
    const doomed = await postMessage(server.app, alice, roomA, `${gone} to delete`);
    expect(await bodies(alice, gone)).toHaveLength(1);
    expect((await api.remove(alice, roomA, doomed.id)).statusCode).toBe(204);
    expect(await bodies(alice, gone)).toEqual([]);
    const edited = await postMessage(server.app, alice, roomA, `${before} original`);
    expect((await api.edit(alice, roomA, edited.id, `${after} rewritten`)).statusCode).toBe(200);
    expect(await bodies(alice, before)).toEqual([]);
    const [r] = await found(alice, after);
    expect(r!.message.id).toBe(edited.id);
    expect(r!.message.editedAt).not.toBeNull();
  });

  it("a room's messages once the reader left it, and other people's rooms (public or private)", async () => {
    const w = word();
    const own = await createRoom(server.app, bob);
    await joinRoom(server.app, alice, own.room);
    await postMessage(server.app, bob, own.room.id, `${w} in a room alice leaves`);
    await postMessage(server.app, outsider, publicOther, `${w} in a public room of the outsider`);
    await postMessage(server.app, alice, privateRoom, `${w} in private`);
    expect(await bodies(alice, w)).toHaveLength(2);
    const left = await server.app.inject({ method: 'POST', url: `/api/rooms/${own.room.id}/leave`, headers: alice.headers });
    expect(left.statusCode, left.body).toBeLessThan(300);
    expect(await bodies(alice, w)).toEqual([`${w} in private`]);
    expect(await bodies(bob, w)).toEqual([`${w} in private`, `${w} in a room alice leaves`]);
    expect(await bodies(outsider, w)).toEqual([`${w} in a public room of the outsider`]);
  });
});

describe('paging', () => {
  it('pages through every match exactly once, newest first, across rooms and in one room, while new ones arrive', async () => {
    const w = word();
    const sent: Message[] = [];
    for (let i = 0; i < 25; i++) sent.push(await postMessage(server.app, alice, i % 3 ? roomA : roomB, `${w} number ${i}`));
    for (const scope of [{}, { roomId: roomA }] as Record<string, string>[]) {
      const expected = sent.filter((m) => !('roomId' in scope) || m.roomId === roomA).reverse().map((m) => m.id);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      let late: Message | undefined;
      do {
        const res = await search(alice, { q: w, limit: '4', ...scope, ...(cursor ? { cursor } : {}) });
        expect(res.statusCode, res.body).toBe(200);
        const page: SearchResponse = res.json();
        seen.push(...page.results.map((r) => r.message.id));
        cursor = page.nextCursor;
        // Newer messages arriving meanwhile do not shift the pages.
        if (pages++ === 1) late = await postMessage(server.app, alice, roomA, `${w} late arrival`);
      } while (cursor);
      expect(pages).toBeGreaterThan(2);
      expect(seen).toEqual(expected);
      sent.push(late!);
    }
  });

  it('gives the same pages whether they come from the recent window or from the index (older matches)', async () => {
    const w = word();
    for (let i = 0; i < 12; i++) await postMessage(server.app, alice, i % 2 ? roomA : roomB, i % 3 ? `${w} ${i}` : `other ${i}`);
    const { search: repo } = server.app.repos;
    const query = parseQuery(w);
    for (const scope of [{}, { roomId: roomA }]) {
      const pages = async (window?: number) => {
        const ids: string[][] = [];
        let after: SearchAfter | undefined;
        for (;;) {
          const page = await repo.search({ readerId: alice.user.id, query, limit: 2, ...scope, ...(after ? { after } : {}), ...(window ? { window } : {}) });
          ids.push(page.messages.map((m) => m.id));
          const last = page.messages.at(-1);
          if (!page.hasMore || !last) return ids;
          after = 'roomId' in scope ? { seq: last.seq } : { id: last.id };
        }
      };
      const expected = await pages();
      expect(expected.flat().length).toBe('roomId' in scope ? 4 : 8);
      // A window of 3 rows: most pages need the index step, some are served by the window alone.
      expect(await pages(3)).toEqual(expected);
      expect(await pages(1)).toEqual(expected);
    }
  });

  it('refuses a cursor of another scope or another room, and a forged one', async () => {
    const w = word();
    for (let i = 0; i < 3; i++) await postMessage(server.app, alice, roomA, `${w} ${i}`);
    const all = (await search(alice, { q: w, limit: '1' })).json<SearchResponse>().nextCursor!;
    const inRoom = (await search(alice, { q: w, limit: '1', roomId: roomA })).json<SearchResponse>().nextCursor!;
    expect(all).toBeTruthy();
    expect(inRoom).toBeTruthy();
    expectError(await search(alice, { q: w, roomId: roomA, cursor: all }), 400, 'VALIDATION');
    expectError(await search(alice, { q: w, cursor: inRoom }), 400, 'VALIDATION');
    expectError(await search(alice, { q: w, roomId: roomB, cursor: inRoom }), 400, 'VALIDATION');
    expectError(await search(alice, { q: w, cursor: Buffer.from('{"a":"x"}').toString('base64url') }), 400, 'VALIDATION');
  });
});

describe('who may search', () => {
  it('anonymous: 401', async () => {
    expectError(await server.app.inject({ url: '/api/search?q=hello' }), 401, 'UNAUTHORIZED');
  });

  it('roomId of a public room the caller is not in: 403 NOT_A_MEMBER; private or unknown: 404 ROOM_NOT_FOUND', async () => {
    expectError(await search(outsider, { q: 'x', roomId: roomA }), 403, 'NOT_A_MEMBER');
    expectError(await search(outsider, { q: 'x', roomId: privateRoom }), 404, 'ROOM_NOT_FOUND');
    expectError(await search(outsider, { q: 'x', roomId: NO_SUCH_ROOM }), 404, 'ROOM_NOT_FOUND');
    expect((await search(bob, { q: 'x', roomId: privateRoom })).statusCode).toBe(200);
  });

  it('roomId scopes to that room', async () => {
    const w = word();
    await postMessage(server.app, alice, roomA, `${w} in A`);
    await postMessage(server.app, alice, roomB, `${w} in B`);
    expect(await bodies(alice, w, { roomId: roomB })).toEqual([`${w} in B`]);
    expect(await bodies(bob, w, { roomId: roomA })).toEqual([`${w} in A`]);
    expect(await bodies(bob, w)).toEqual([`${w} in A`]);
  });
});
