/**
 * Frames during a database outage (issue 9 item 4, WebSocket side): every frame that needs the
 * database answers UNAVAILABLE (not INTERNAL), and the same socket works again once the database is
 * back. The database sits behind a TCP proxy that the test cuts. Postgres only: the embedded
 * database lives inside the process and cannot become unreachable.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/client.js';
import { createPostgresDatabase, createRoom, register, startServer, usePostgres, WsClient, type TestServer } from './helpers.js';

/** A TCP proxy to the real Postgres that can be cut (every connection dropped, new ones refused) and restored. */
class CuttableProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async open(): Promise<void> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server!.address() as net.AddressInfo).port;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}

describe.skipIf(!usePostgres)('frames while the database is unreachable', () => {
  let proxy: CuttableProxy;
  let server: TestServer;
  let dropDb: () => Promise<void>;

  beforeAll(async () => {
    const { url, drop } = await createPostgresDatabase();
    dropDb = drop;
    const target = new URL(url);
    proxy = new CuttableProxy({ host: target.hostname, port: Number(target.port || 5432) });
    await proxy.open();
    const viaProxy = new URL(url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const database = await openDatabase({ databaseUrl: viaProxy.toString(), dataDir: null, poolSize: 4 });
    server = await startServer({}, { database, url: viaProxy.toString(), drop: () => database.close() });
  });
  afterAll(async () => {
    await server?.close();
    await server?.db.drop();
    await proxy?.cut();
    await dropDb?.();
  });

  it('answers subscribe, send, typing and read with UNAVAILABLE, then works again when it is back', async () => {
    const alice = await register(server.app);
    const { room } = await createRoom(server.app, alice);
    const ws = await WsClient.connect(server.wsUrl, alice.token);

    await proxy.cut();
    ws.send({ type: 'subscribe', roomId: room.id });
    ws.send({ type: 'typing', roomId: room.id, isTyping: true });
    ws.send({ type: 'read', roomId: room.id, seq: 0 });
    ws.send({ type: 'send', roomId: room.id, clientMsgId: 'during-outage', body: 'hello?' });
    for (const ref of [room.id, room.id, room.id, 'during-outage']) {
      const answer = await ws.next((f) => f.type === 'error' && f.ref === ref, 15_000);
      expect(answer.code, JSON.stringify(answer)).toBe('UNAVAILABLE');
    }
    expect(ws.frames.some((f) => f.type === 'error' && f.code === 'INTERNAL')).toBe(false);

    await proxy.open();
    expect(await ws.subscribe(room.id)).toMatchObject({ type: 'subscribed', roomId: room.id });
    ws.send({ type: 'send', roomId: room.id, clientMsgId: 'after-outage', body: 'back' });
    expect(await ws.next((f) => f.type === 'ack' && f.clientMsgId === 'after-outage', 15_000)).toBeTruthy();
    await ws.close();
  }, 60_000);
});
