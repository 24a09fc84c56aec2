/**
 * Frames during a database outage (issue 9 item 4, WebSocket side): every frame that needs the
 * database answers UNAVAILABLE (not INTERNAL), and the same socket works again once the database is
 * back. The database sits behind a TCP proxy that the test cuts. Postgres only: the embedded
 * database lives inside the process and cannot become unreachable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/client.js';
import { createPostgresDatabase, createRoom, register, startServer, usePostgres, WsClient, type TestServer } from './helpers.js';
import { TcpProxy } from './tcp-proxy.js';

describe.skipIf(!usePostgres)('frames while the database is unreachable', () => {
  let proxy: TcpProxy;
  let server: TestServer;
  let dropDb: () => Promise<void>;

  beforeAll(async () => {
    const { url, drop } = await createPostgresDatabase();
    dropDb = drop;
    const target = new URL(url);
    proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    const viaProxy = new URL(url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const database = await openDatabase({ databaseUrl: viaProxy.toString(), dataDir: null, poolSize: 4 });
    server = await startServer({}, { database, url: viaProxy.toString(), drop: () => database.close() });
  });
  afterAll(async () => {
    await server?.close();
    await server?.db.drop();
    await proxy?.close();
    await dropDb?.();
  });

  it('answers subscribe, send, typing and read with UNAVAILABLE, then works again when it is back', async () => {
    const alice = await register(server.app);
    const { room } = await createRoom(server.app, alice);
    const ws = await WsClient.connect(server.wsUrl, alice.token);

    await proxy.setMode('refuse');
    ws.send({ type: 'subscribe', roomId: room.id });
    ws.send({ type: 'typing', roomId: room.id, isTyping: true });
    ws.send({ type: 'read', roomId: room.id, seq: 0 });
    ws.send({ type: 'send', roomId: room.id, clientMsgId: 'during-outage', body: 'hello?' });
    // Four answers, in whatever order the frames' reads fail (the send's admission read may fail first).
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await ws.next((f) => f.type === 'error', 15_000));
    expect(answers.map((f) => f.ref).sort()).toEqual([room.id, room.id, room.id, 'during-outage'].sort());
    for (const answer of answers) expect(answer.code, JSON.stringify(answer)).toBe('UNAVAILABLE');
    expect(ws.frames.some((f) => f.type === 'error' && f.code === 'INTERNAL')).toBe(false);

    await proxy.setMode('forward');
    expect(await ws.subscribe(room.id)).toMatchObject({ type: 'subscribed', roomId: room.id });
    ws.send({ type: 'send', roomId: room.id, clientMsgId: 'after-outage', body: 'back' });
    expect(await ws.next((f) => f.type === 'ack' && f.clientMsgId === 'after-outage', 15_000)).toBeTruthy();
    await ws.close();
  }, 60_000);
});
