import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { flushDelay, MAX_FLUSH_PAUSE_MS, OutFrame, SocketWriter } from './socket-writer.js';

/** Real sockets: a ws server and clients on loopback; the server side's TCP writes are recorded. */
describe('SocketWriter', () => {
  let wss: WebSocketServer;
  const clients: WebSocket[] = [];
  const received: string[][] = [];
  const writers: SocketWriter[] = [];
  const writes: Buffer[][] = [];

  beforeAll(async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(wss, 'listening');
    const port = (wss.address() as AddressInfo).port;
    for (let i = 0; i < 4; i++) {
      const accepted = once(wss, 'connection');
      const client = new WebSocket(`ws://127.0.0.1:${port}`);
      const got: string[] = [];
      client.on('message', (data) => got.push(String(data)));
      await once(client, 'open');
      const [server] = (await accepted) as [WebSocket];
      const raw = (server as unknown as { _socket: { write: (b: Buffer) => boolean } })._socket;
      const seen: Buffer[] = [];
      const write = raw.write.bind(raw);
      raw.write = (b: Buffer) => (seen.push(b), write(b));
      clients.push(client);
      received.push(got);
      writers.push(new SocketWriter(server));
      writes.push(seen);
    }
  });

  afterAll(async () => {
    for (const c of clients) c.terminate();
    wss.close();
  });

  /** Waits until client i has received counts[i] frames (or a second has passed). */
  const settle = async (counts: number[]) => {
    for (let t = 0; t < 100 && counts.some((n, i) => received[i]!.length < n); t++) await new Promise((r) => setTimeout(r, 10));
  };

  it('writes a turn of frames as one buffer per socket, shared by the sockets that got the same frames', async () => {
    const frames = ['a', 'b', 'c'].map((x) => new OutFrame(JSON.stringify({ type: 'message', x })));
    const own = new OutFrame(JSON.stringify({ type: 'typing', only: 3 }));
    for (const [i, w] of writers.entries()) {
      for (const f of frames) w.write(f);
      if (i === 3) w.write(own); // this socket's outbox differs from the others'
    }
    expect(writers[0]!.bufferedAmount).toBe(frames.reduce((a, f) => a + f.bytes.length, 0));
    await settle([3, 3, 3, 4]);

    for (const [i, got] of received.entries()) {
      expect(got).toEqual([...frames.map((f) => f.json), ...(i === 3 ? [own.json] : [])]);
      expect(writes[i]).toHaveLength(1); // one write for the whole turn
    }
    expect(writes[1]![0]).toBe(writes[0]![0]);
    expect(writes[2]![0]).toBe(writes[0]![0]);
    expect(writes[3]![0]).not.toBe(writes[0]![0]);
  });

  it('keeps the order of frames across turns, and a single frame goes out as its own bytes', async () => {
    for (const r of received) r.length = 0;
    for (const w of writes) w.length = 0;
    const first = new OutFrame('{"n":1}');
    writers[0]!.write(first);
    await new Promise((r) => setImmediate(r));
    const later = [new OutFrame('{"n":2}'), new OutFrame('{"n":3}')];
    for (const f of later) writers[0]!.write(f);
    await settle([3]);
    expect(received[0]).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
    expect(writes[0]).toHaveLength(2);
    expect(writes[0]![0]).toBe(first.bytes);
  });

  it('paces flushes only after a slow one: half its time, at most MAX_FLUSH_PAUSE_MS', () => {
    expect(flushDelay(1000, 0.05, 1000.01)).toBe(0); // a quick flush: at the end of the turn
    expect(flushDelay(1000, 3, 1000)).toBe(1.5);
    expect(flushDelay(1000, 3, 1000.4)).toBeCloseTo(1.1);
    expect(flushDelay(1000, 3, 1000.6)).toBe(0); // under a millisecond left: no timer
    expect(flushDelay(1000, 40, 1000)).toBe(MAX_FLUSH_PAUSE_MS);
    expect(flushDelay(1000, 40, 1010)).toBe(0);
  });
});
