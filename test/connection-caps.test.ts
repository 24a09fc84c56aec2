/**
 * Caps on concurrent WebSocket connections (issue 9 item 5, WebSocket part): per user and per
 * client IP, refused before the upgrade with 429 RATE_LIMITED in the contract's error shape; a
 * closed connection gives its slot back. (Across instances: test/realtime-redis.test.ts.)
 */
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSoon, refusedUpgrade, register, startServer, WsClient, type TestServer } from './helpers.js';

const PER_USER = 3;
const PER_IP = 5;
let server: TestServer;

beforeAll(async () => {
  server = await startServer({ WS_MAX_PER_USER: String(PER_USER), WS_MAX_PER_IP: String(PER_IP) });
});
afterAll(() => server?.close());

describe('WebSocket connection caps', () => {
  it(`accepts ${PER_USER} connections of one user and refuses the next with 429 RATE_LIMITED, until one closes`, async () => {
    const alice = await register(server.app);
    const open = await Promise.all(Array.from({ length: PER_USER }, () => WsClient.connect(server.wsUrl, alice.token)));
    const refused = await refusedUpgrade(server.wsUrl, alice.token);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED', error: 'Too Many Requests', message: expect.stringContaining(`${PER_USER}`) });
    // Another user is not affected.
    const bob = await register(server.app);
    const bobs = await WsClient.connect(server.wsUrl, bob.token);
    await open[0]!.close();
    const again = await connectSoon(server.wsUrl, alice.token);
    expect((await refusedUpgrade(server.wsUrl, alice.token)).status).toBe(429);
    await Promise.all([...open.slice(1), again, bobs].map((ws) => ws.close()));
  });

  it('keeps nothing of the upgrade on an open socket, and gives the slot back when a client drops without a close handshake', async () => {
    const alice = await register(server.app);
    const open = await Promise.all(Array.from({ length: PER_USER }, () => WsClient.connect(server.wsUrl, alice.token)));
    const conns = [...(server.app.hub.registry.connectionsOfUser(alice.user.id) ?? [])];
    expect(conns).toHaveLength(PER_USER);
    for (const conn of conns) {
      const tcp = (conn.socket as unknown as { _socket: Socket & { _httpMessage: unknown } })._socket;
      // The upgrade's ServerResponse is detached, and the slot is the session's: ws's own listener is the only one.
      expect(tcp._httpMessage).toBeNull();
      expect(tcp.listenerCount('close')).toBe(1);
    }
    expect(server.app.connectionCaps.users.get(alice.user.id)).toBe(PER_USER);
    open[0]!.socket.terminate();
    const again = await connectSoon(server.wsUrl, alice.token);
    expect((await refusedUpgrade(server.wsUrl, alice.token)).status).toBe(429);
    await Promise.all([...open.slice(1), again].map((ws) => ws.close()));
    await expect.poll(() => server.app.connectionCaps.users.get(alice.user.id) ?? 0).toBe(0);
  });

  it(`refuses more than ${PER_IP} connections from one address, whoever they belong to`, async () => {
    const users = await Promise.all(Array.from({ length: 3 }, () => register(server.app)));
    const open: WsClient[] = [];
    for (let i = 0; i < PER_IP; i++) open.push(await connectSoon(server.wsUrl, users[i % users.length]!.token));
    const refused = await refusedUpgrade(server.wsUrl, users[2]!.token);
    expect(refused).toMatchObject({ status: 429, body: { code: 'RATE_LIMITED', message: expect.stringContaining('address') } });
    await Promise.all(open.map((ws) => ws.close()));
    // Every slot comes back.
    const after = [];
    for (let i = 0; i < PER_IP; i++) after.push(await connectSoon(server.wsUrl, users[i % users.length]!.token));
    await Promise.all(after.map((ws) => ws.close()));
  });
});
