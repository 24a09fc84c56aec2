/**
 * Bad input to the room log (issue 10), beside test/bad-input.test.ts: every new route and client
 * frame answers malformed ids, bodies, emoji and query strings with a clear 4xx in the contract's
 * shape (or an `error` frame with `ref`), never a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../src/protocol.js';
import { barrier, errorsFor, expectError, recorder } from './authz-helpers.js';
import { createRoom, postMessage, register, startServer, WsClient, type Account, type TestServer } from './helpers.js';

let server: TestServer;
let alice: Account;
let roomId: string;
let message: Message;
const http = recorder(() => server.app);

beforeAll(async () => {
  server = await startServer({ SEND_RATE_PER_SEC: '100000', SEND_BURST: '100000' });
  alice = await register(server.app);
  roomId = (await createRoom(server.app, alice)).room.id;
  message = await postMessage(server.app, alice, roomId, 'target');
});
afterAll(() => server?.close());

const msgUrl = (id = message.id) => `/api/rooms/${roomId}/messages/${id}`;
const as = (opts: Parameters<typeof http.inject>[0]) => http.inject({ ...opts, headers: { ...alice.headers, ...(opts.headers ?? {}) } });

describe('edit, delete and reaction routes', () => {
  it('refuses malformed message ids and room ids with 400 VALIDATION', async () => {
    for (const id of ['abc', '-1', '1.5', '99999999999999999999', '%00']) {
      expectError(await as({ method: 'PATCH', url: msgUrl(id), payload: { body: 'x' } }), 400, 'VALIDATION');
      expectError(await as({ method: 'DELETE', url: msgUrl(id) }), 400, 'VALIDATION');
      expectError(await as({ method: 'PUT', url: `${msgUrl(id)}/reactions/${encodeURIComponent('👍')}` }), 400, 'VALIDATION');
    }
    expectError(await as({ method: 'PATCH', url: `/api/rooms/not-a-uuid/messages/${message.id}`, payload: { body: 'x' } }), 400, 'VALIDATION');
  });

  it('checks an edited body like a sent one', async () => {
    expectError(await as({ method: 'PATCH', url: msgUrl(), payload: {} }), 400, 'VALIDATION');
    expectError(await as({ method: 'PATCH', url: msgUrl(), payload: { body: 42 } }), 400, 'VALIDATION');
    expectError(await as({ method: 'PATCH', url: msgUrl(), payload: { body: '   ' } }), 400, 'VALIDATION');
    expectError(await as({ method: 'PATCH', url: msgUrl(), payload: { body: 'a\u0000b' } }), 400, 'VALIDATION');
    expectError(await as({ method: 'PATCH', url: msgUrl(), payload: { body: 'x'.repeat(4001) } }), 400, 'MESSAGE_TOO_LONG');
    // A lone surrogate is stored as U+FFFD (as a send would be), not a 500.
    const res = await as({ method: 'PATCH', url: msgUrl(), payload: JSON.stringify({ body: 'half \ud800 a pair' }), headers: { 'content-type': 'application/json' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ message: Message }>().message.body).toBe('half \ufffd a pair');
  });

  it('refuses anything but one emoji, however it is encoded', async () => {
    for (const raw of ['a', 'ab', '%F0%9F%91%8D%F0%9F%91%8D', '%20', '%E2%9D%A4x', 'x'.repeat(65), '%F0%9F', '%ZZ', '%00']) {
      const res = await as({ method: 'PUT', url: `${msgUrl()}/reactions/${raw}` });
      expect(res.statusCode, `${raw}: ${res.body}`).toBe(400);
      expect(['VALIDATION', 'FST_ERR_VALIDATION']).toContain(res.json<{ code: string }>().code);
    }
  });
});

describe('events?after and messages?around', () => {
  it('refuses bad cursors and limits with 400 VALIDATION', async () => {
    for (const q of ['', 'after=', 'after=-1', 'after=abc', 'after=1.5', 'after=0&limit=0', 'after=0&limit=101', 'after=99999999999999999999']) {
      expectError(await as({ url: `/api/rooms/${roomId}/events?${q}` }), 400, 'VALIDATION');
    }
    for (const q of ['around=abc', 'around=-2', 'around=1&before=3', 'around=1&after=0', 'around=1&limit=0']) {
      expectError(await as({ url: `/api/rooms/${roomId}/messages?${q}` }), 400, 'VALIDATION');
    }
    const ok = await as({ url: `/api/rooms/${roomId}/events?after=999999&limit=100` });
    expect(ok.json()).toEqual({ events: [], hasMore: false });
  });

  it('refuses a malformed replyToId', async () => {
    for (const replyToId of ['abc', '', 12, null]) {
      expectError(await as({ method: 'POST', url: `/api/rooms/${roomId}/messages`, payload: { clientMsgId: `r-${String(replyToId)}`, body: 'x', replyToId } }), 400, 'VALIDATION');
    }
  });
});

describe('edit, delete and react frames', () => {
  it('answers malformed frames with VALIDATION and their ref, and stays open', async () => {
    const ws = await WsClient.connect(server.wsUrl, alice.token);
    const base = { roomId, messageId: message.id };
    const bad: [string, Record<string, unknown>][] = [
      ['e-nobody', { type: 'edit', ...base, ref: 'e-nobody' }],
      ['e-blank', { type: 'edit', ...base, body: ' ', ref: 'e-blank' }],
      ['e-extra', { type: 'edit', ...base, body: 'x', extra: 1, ref: 'e-extra' }],
      ['d-id', { type: 'delete', roomId, messageId: 'abc', ref: 'd-id' }],
      ['r-add', { type: 'react', ...base, emoji: '👍', add: 'yes', ref: 'r-add' }],
      ['r-text', { type: 'react', ...base, emoji: 'lol', add: true, ref: 'r-text' }],
      ['r-two', { type: 'react', ...base, emoji: '👍👍', add: true, ref: 'r-two' }],
      ['s-reply', { type: 'send', roomId, clientMsgId: 's-reply', body: 'x', replyToId: 'abc' }],
    ];
    for (const [, frame] of bad) ws.send(frame);
    ws.send({ type: 'edit', ...base, body: 'x', ref: 'r'.repeat(65) });
    await barrier(ws);
    for (const [ref] of bad) expect(errorsFor(ws, ref).map((e) => e.code), ref).toEqual(['VALIDATION']);
    expect(ws.frames.filter((f) => f.type === 'error' && f.code === 'VALIDATION')).toHaveLength(bad.length + 1);
    expect(ws.socket.readyState).toBe(ws.socket.OPEN);
    await ws.close();
  });
});

describe('after all of that', () => {
  it('never answered a 500 and still works', async () => {
    expect(http.serverErrors()).toEqual([]);
    const res = await as({ method: 'PUT', url: `${msgUrl()}/reactions/${encodeURIComponent('👍')}` });
    expect(res.statusCode).toBe(204);
  });
});
