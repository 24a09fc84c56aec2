/**
 * Graceful shutdown of a real process (issue 9 item 6): with an idle keep-alive connection and a
 * request in flight, SIGTERM answers the request, closes the connections, the database (and Redis)
 * and exits 0, instead of waiting for keep-alive sockets until the 15 s force exit (code 1).
 */
import { Agent, get } from 'node:http';
import { connect } from 'node:net';
import { afterAll, expect, it } from 'vitest';
import { sleep } from './helpers.js';
import { serverProcessEnv, startServerProcess } from './processes.js';

let drop: (() => Promise<void>) | undefined;
afterAll(async () => drop?.());

it('SIGTERM with an idle keep-alive connection and a request in flight: the request is answered, exit 0', async () => {
  // With Redis too (Postgres project), its connections are among what must close before exit 0.
  const processEnv = await serverProcessEnv('shutdown', { SESSION_SECRET: 'shutdown-secret-shutdown-secret-0123456789' }, { withRedis: true });
  drop = processEnv.drop ?? undefined;
  const env = processEnv.env;
  const server = await startServerProcess(env);

  // An idle keep-alive connection, parked in the agent's pool.
  const agent = new Agent({ keepAlive: true });
  const status = await new Promise<number>((resolve, reject) => {
    get(`${server.url}/healthz`, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
  expect(status).toBe(200);

  // A keep-alive request in flight: headers and half the body sent before SIGTERM, the rest after.
  const body = JSON.stringify({ username: 'in_flight_ida', password: 'long enough password' });
  const socket = connect(server.port, '127.0.0.1');
  let response = '';
  socket.on('data', (d) => (response += d.toString()));
  const socketClosed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.write(
    `POST /api/auth/register HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: keep-alive\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`,
  );
  await sleep(300);

  const started = Date.now();
  server.child.kill('SIGTERM');
  await sleep(300);
  socket.write(body.slice(10));

  const code = await server.exited;
  await socketClosed;
  agent.destroy();
  expect(response).toMatch(/^HTTP\/1\.1 201/);
  expect(code, server.output()).toBe(0);
  // Far below the 15 s force-exit (which exits 1).
  expect(Date.now() - started).toBeLessThan(10_000);
}, 60_000);
