/**
 * Bad input to message search (issue 12), beside test/bad-input.test.ts: a missing, blank or
 * too-long q, bad roomId, limit and cursor values answer 400 VALIDATION in the contract's shape;
 * query syntax and metacharacters never fail; never a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../src/protocol.js';
import { expectError, forgeCursor, recorder } from './authz-helpers.js';
import { createRoom, postMessage, register, startServer, type Account, type TestServer } from './helpers.js';

let server: TestServer;
let alice: Account;
let roomId: string;
const http = recorder(() => server.app);

beforeAll(async () => {
  server = await startServer();
  alice = await register(server.app);
  roomId = (await createRoom(server.app, alice)).room.id;
  await postMessage(server.app, alice, roomId, 'findable words here');
});
afterAll(() => server?.close());

const search = (query: string) => http.inject({ url: `/api/search?${query}`, headers: alice.headers });
const q = (s: string) => `q=${encodeURIComponent(s)}`;

describe('GET /api/search', () => {
  it('refuses a missing, empty, blank, too long or control-character q', async () => {
    for (const query of ['', 'q=', q('   '), q('\t\n'), q('x'.repeat(LIMITS.SEARCH_QUERY_MAX + 1)), q('a\u0000b'), q('a\u0007b'), 'q=a&q=b']) {
      expectError(await search(query), 400, 'VALIDATION');
    }
    expect((await search(q('x'.repeat(LIMITS.SEARCH_QUERY_MAX)))).statusCode).toBe(200);
  });

  it('refuses bad roomId, limit and cursor values', async () => {
    for (const extra of ['roomId=abc', 'roomId=', 'limit=0', 'limit=51', 'limit=1.5', 'limit=-1', 'limit=1e400', 'limit=x', 'cursor=%%%', 'cursor=bm90LWpzb24', `cursor=${'a'.repeat(300)}`]) {
      expectError(await search(`${q('words')}&${extra}`), 400, 'VALIDATION');
    }
    for (const forged of [{ a: 'x' }, { a: roomId, b: 1 }, { r: roomId, s: -1 }, { r: roomId, s: 2 ** 60 }, { r: roomId }, [], 'str', null]) {
      expectError(await search(`${q('words')}&cursor=${forgeCursor(forged)}`), 400, 'VALIDATION');
      expectError(await search(`${q('words')}&roomId=${roomId}&cursor=${forgeCursor(forged)}`), 400, 'VALIDATION');
    }
  });

  it('answers any query syntax, metacharacters and odd unicode with 200', async () => {
    const odd = [":*&|!()'\\", 'words:*', "wor'ds", '"words', 'words"', '-', '--words', 'or or or', '<-> <2>', '%_', '\\\\', '\u200Bwords', 'ｗｏｒｄｓ', '🏳️‍🌈', 'e\u0301', '字'.repeat(200)];
    for (const s of odd) {
      const res = await search(q(s));
      expect(res.statusCode, `${JSON.stringify(s)}: ${res.body}`).toBe(200);
    }
    // Bytes that are not UTF-8 (a lone surrogate, 0xFF) decode to U+FFFD or are refused, never a 500.
    for (const raw of ['q=%ED%A0%BD', 'q=%FFwords', 'q=%E2%82']) expect((await search(raw)).statusCode, raw).toBeLessThan(500);
    // NFKC: full-width letters are the same word.
    const res = await search(q('ｗｏｒｄｓ'));
    expect(res.json<{ results: unknown[] }>().results).toHaveLength(1);
  });
});

describe('after all of that', () => {
  it('never answered a 500', () => {
    expect(http.serverErrors()).toEqual([]);
  });
});
