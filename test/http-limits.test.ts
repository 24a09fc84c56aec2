/**
 * HTTP-level hardening on a real listening server and raw sockets (issue 9 items 5 and 18): slow
 * requests are dropped within the configured bound.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './helpers.js';

const REQUEST_TIMEOUT_MS = 1000;
/** The timeout plus Node's check interval plus slack; without the timeouts the socket stays open for minutes. */
const BOUND_MS = REQUEST_TIMEOUT_MS * 6;

let server: TestServer;
let port: number;
beforeAll(async () => {
  server = await startServer({ HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) });
  port = Number(new URL(server.url).port);
});
afterAll(async () => {
  await server?.close();
});

/** Writes raw bytes, then waits for the server to close the socket (or BOUND_MS). */
function sendAndStall(bytes: string): Promise<{ closed: boolean; response: string }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let response = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ closed: false, response });
    }, BOUND_MS);
    socket.on('data', (d) => (response += d.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ closed: true, response });
    });
    socket.write(bytes);
  });
}

describe('slow requests', () => {
  it('closes a request whose body stalls after a few bytes', async () => {
    const { closed, response } = await sendAndStall(
      'POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"login":"a',
    );
    expect(closed).toBe(true);
    expect(response).toMatch(/^HTTP\/1\.1 408/);
  });

  it('closes a connection whose headers never finish', async () => {
    const { closed } = await sendAndStall('GET /api/rooms HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    expect(closed).toBe(true);
  });

  it('still serves a normal request', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
