/**
 * A reader that stops reading is closed with 4009 once its backlog stays over the bound, and loses
 * nothing: it resumes with sinceSeq and gets every message, in order.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Message } from '../src/protocol.js';
import { createRoom, joinRoom, register, startServer, WsClient, type TestServer } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({
    SEND_RATE_PER_SEC: '100000',
    SEND_BURST: '100000',
    WS_SOFT_BUFFER_BYTES: '262144',
    WS_HARD_BUFFER_BYTES: '2097152',
    RECOVERY_MAX_MESSAGES: '100000',
  });
});
afterAll(() => server?.close());

it('closes a reader that cannot keep up with 4009, and it resumes without a gap', async () => {
  const owner = await register(server.app);
  const reader = await register(server.app);
  const { room } = await createRoom(server.app, owner);
  await joinRoom(server.app, reader, room);

  const slow = await WsClient.connect(server.wsUrl, reader.token);
  await slow.subscribe(room.id);
  // Stop reading from the TCP socket: the kernel buffers fill, then the server's own backlog grows.
  (slow.socket as unknown as { _socket: { pause(): void } })._socket.pause();

  // ~16 MB, more than loopback's socket buffers hold, from 20 sockets (each stays under the
  // per-connection frame flood limit).
  const senders = await Promise.all(Array.from({ length: 20 }, () => WsClient.connect(server.wsUrl, owner.token)));
  const body = 'x'.repeat(3900);
  const perSender = 200;
  const total = senders.length * perSender;
  senders.forEach((s, k) => {
    for (let i = 0; i < perSender; i++) s.send({ type: 'send', roomId: room.id, clientMsgId: `bp${k}-${i}`, body });
  });
  await Promise.all(senders.map((s, k) => s.next((f) => f.type === "ack" && f.clientMsgId === `bp${k}-${perSender - 1}`, 20_000)));

  (slow.socket as unknown as { _socket: { resume(): void } })._socket.resume();
  const closed = await slow.closed;
  expect(closed.code).toBe(4009);
  const received = slow.messages(room.id).map((m) => m.seq);
  expect(received.length).toBeLessThan(total);
  // Whatever arrived before the close arrived in order without gaps.
  expect(received).toEqual(received.map((_, i) => i + 1));

  const again = await WsClient.connect(server.wsUrl, reader.token);
  const last = received.at(-1) ?? 0;
  const sub = await again.subscribe(room.id, last);
  expect(sub).toMatchObject({ recovered: true, lastSeq: total });
  await again.next((f) => f.type === 'message' && (f as { message: Message }).message.seq === total, 30_000);
  expect(again.messages(room.id).map((m) => m.seq)).toEqual(Array.from({ length: total - last }, (_, i) => last + i + 1));
  await Promise.all([again.close(), ...senders.map((s) => s.close())]);
}, 120_000);
