/**
 * The fan-out limit row (bench/servers/tuned-broadcast.mjs) owns its WebSocket framing, so it is
 * checked against a real client (`ws`): every text frame from any client reaches every client, in
 * order, byte for byte (7-bit and 16-bit lengths, multi-byte text; several frames of one turn coalesced
 * into one write), pings are answered, and a client that does not mask is dropped. With PAD_TO, short
 * text frames are padded with spaces to that size (the same JSON, RtChat's frame size).
 */
import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const servers: ChildProcess[] = [];
let port: number;

async function start(env: Record<string, string> = {}): Promise<number> {
  const server = fork(path.join(ROOT, 'bench/servers/tuned-broadcast.mjs'), [], { env: { ...process.env, PORT: '0', ...env }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  servers.push(server);
  return new Promise<number>((resolve) => server.once('message', (m: { listening: number }) => resolve(m.listening)));
}

beforeAll(async () => {
  port = await start();
});
afterAll(() => {
  for (const server of servers) server.kill('SIGTERM');
});

function client(at = port): Promise<{ ws: WebSocket; got: string[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${at}/`, { perMessageDeflate: false });
    const got: string[] = [];
    ws.on('message', (d) => got.push(d.toString()));
    ws.once('open', () => resolve({ ws, got }));
    ws.once('error', reject);
  });
}

const until = async (check: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('tuned broadcast server', () => {
  it('sends every frame to every client, in order and intact, whatever its length', async () => {
    const a = await client();
    const b = await client();
    const texts = ['short', 'x'.repeat(200), 'é'.repeat(20_000), 'last'];
    for (const t of texts) a.ws.send(t); // one turn: coalesced into one write per socket
    // Frames of two senders have no order between them: b sends once a's have been broadcast.
    await until(() => a.got.length === 4 && b.got.length === 4);
    b.ws.send('from b');
    await until(() => a.got.length === 5 && b.got.length === 5);
    expect(a.got).toEqual([...texts, 'from b']);
    expect(b.got).toEqual([...texts, 'from b']);
    a.ws.close();
    b.ws.close();
  });

  it('answers a ping with a pong carrying its payload', async () => {
    const a = await client();
    const pong = new Promise<string>((resolve) => a.ws.once('pong', (d) => resolve(d.toString())));
    a.ws.ping('are you there');
    expect(await pong).toBe('are you there');
    a.ws.close();
  });

  it('drops a client whose frames are not masked', async () => {
    const sock = net.connect({ host: '127.0.0.1', port });
    await new Promise((r) => sock.once('connect', r));
    sock.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
    const head = await new Promise<string>((r) => sock.once('data', (d) => r(d.toString('latin1'))));
    expect(head).toMatch(/^HTTP\/1.1 101/);
    expect(head).toContain('Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    const closed = new Promise((r) => sock.once('close', r));
    sock.write(Buffer.from([0x81, 0x02, 0x68, 0x69])); // "hi", unmasked
    await closed;
  });

  it('pads a short text frame with spaces to PAD_TO bytes, and leaves longer ones as they are', async () => {
    const a = await client(await start({ PAD_TO: '64' }));
    const long = JSON.stringify({ body: 'x'.repeat(100) });
    a.ws.send('{"n":1}');
    a.ws.send(long);
    await until(() => a.got.length === 2);
    expect(a.got[0]).toBe('{"n":1}' + ' '.repeat(64 - 7));
    expect(JSON.parse(a.got[0]!)).toEqual({ n: 1 });
    expect(a.got[1]).toBe(long);
    a.ws.close();
  });
});
