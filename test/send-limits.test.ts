/**
 * Sends per user (issue 9 item 16): one bucket per user, shared by HTTP and all of the user's
 * WebSocket connections (SEND_BURST at once, then SEND_RATE_PER_SEC). Before, each socket had its
 * own bucket: 10 sockets gave 10x the burst.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRoom, register, startServer, WsClient, type Account, type TestServer } from './helpers.js';

const BURST = 5;
const RATE = 1;
let server: TestServer;

beforeAll(async () => {
  server = await startServer({ SEND_RATE_PER_SEC: String(RATE), SEND_BURST: String(BURST) });
});
afterAll(() => server?.close());

/** Most sends a bucket can have let through in `ms` (the burst, plus what refilled meanwhile). */
const allowance = (ms: number) => BURST + Math.ceil((ms / 1000) * RATE);

const httpSend = (account: Account, roomId: string) =>
  server.app.inject({
    method: 'POST',
    url: `/api/rooms/${roomId}/messages`,
    headers: account.headers,
    payload: { clientMsgId: randomUUID(), body: 'over http' },
  });

/** Sends `perSocket` messages on each socket at once; the answers by clientMsgId. */
async function sendOnAll(sockets: WsClient[], roomId: string, perSocket: number) {
  const ids = sockets.map((ws, k) => Array.from({ length: perSocket }, (_, i) => `s${k}-${i}-${randomUUID().slice(0, 8)}`));
  sockets.forEach((ws, k) => ids[k]!.forEach((clientMsgId) => ws.send({ type: 'send', roomId, clientMsgId, body: clientMsgId })));
  const answers = await Promise.all(
    sockets.flatMap((ws, k) =>
      ids[k]!.map((clientMsgId) => ws.next((f) => (f.type === 'ack' && f.clientMsgId === clientMsgId) || (f.type === 'error' && f.ref === clientMsgId))),
    ),
  );
  return answers;
}

describe('sends per user across connections', () => {
  it('ten sockets of one user share one bucket: the burst once, not ten times', async () => {
    const alice = await register(server.app);
    const { room } = await createRoom(server.app, alice);
    const sockets = await Promise.all(Array.from({ length: 10 }, () => WsClient.connect(server.wsUrl, alice.token)));
    const started = Date.now();
    const answers = await sendOnAll(sockets, room.id, 4);
    const elapsed = Date.now() - started;
    const acked = answers.filter((f) => f.type === 'ack');
    const refused = answers.filter((f) => f.type === 'error');
    expect(acked.length).toBeGreaterThanOrEqual(BURST);
    expect(acked.length).toBeLessThanOrEqual(allowance(elapsed));
    expect(refused.length).toBe(40 - acked.length);
    for (const f of refused) expect(f).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) });
    await Promise.all(sockets.map((ws) => ws.close()));
  });

  it('HTTP and WebSocket sends of one user draw from the same bucket; other users keep theirs', async () => {
    const bob = await register(server.app);
    const carol = await register(server.app);
    const { room } = await createRoom(server.app, bob);
    const { room: carolRoom } = await createRoom(server.app, carol);
    const started = Date.now();
    const http = await Promise.all(Array.from({ length: BURST }, () => httpSend(bob, room.id)));
    const ws = await WsClient.connect(server.wsUrl, bob.token);
    const overWs = await sendOnAll([ws], room.id, 3);
    const elapsed = Date.now() - started;
    const accepted = http.filter((r) => r.statusCode === 201).length + overWs.filter((f) => f.type === 'ack').length;
    expect(accepted).toBeLessThanOrEqual(allowance(elapsed));
    expect(overWs.filter((f) => f.type === 'error').every((f) => f.code === 'RATE_LIMITED')).toBe(true);
    const lateHttp = await httpSend(bob, room.id);
    expect(accepted + (lateHttp.statusCode === 201 ? 1 : 0)).toBeLessThanOrEqual(allowance(Date.now() - started));
    if (lateHttp.statusCode !== 201) expect(lateHttp.json()).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
    // Bob's sends cost Carol nothing.
    expect((await httpSend(carol, carolRoom.id)).statusCode).toBe(201);
    await ws.close();
  });
});
