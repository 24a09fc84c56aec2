/**
 * Private text stays out of the logs (issue 9 item 10): when a batch insert fails, the driver's
 * error carries every parameter of the batch; the request log and the writer's log must show the
 * failure (type, SQLSTATE, constraint) but never the message bodies.
 */
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { serializeError } from '../src/lib/log-serializers.js';
import { createRoom, createTestDatabase, register, testConfig, WsClient, type TestDatabase } from './helpers.js';

const SECRET_TEXT = 'zebra-secret-plan';
const lines: string[] = [];
let db: TestDatabase;
let app: FastifyInstance;

beforeAll(async () => {
  db = await createTestDatabase();
  // Every insert of a body with the secret fails, like a batch the database refuses.
  await db.database.rows(sql.raw(`ALTER TABLE messages ADD CONSTRAINT test_no_zebra CHECK (body NOT LIKE '%zebra%')`));
  await db.database.rows(sql.raw(`ALTER TABLE rooms ADD CONSTRAINT test_no_zebra_room CHECK (description NOT LIKE '%zebra%')`));
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  app = await buildApp({ config: testConfig(), database: db.database, logger: { level: 'info', stream } });
  await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await app?.close();
  await db?.drop();
});

it('logs a failed batch without its parameters, over HTTP and WebSocket', async () => {
  const alice = await register(app);
  const { room } = await createRoom(app, alice, { isPrivate: true });

  const res = await app.inject({
    method: 'POST',
    url: `/api/rooms/${room.id}/messages`,
    headers: alice.headers,
    payload: { clientMsgId: 'zebra-http', body: `http ${SECRET_TEXT}` },
  });
  // The writer answers a failed batch with 503 (nothing stored, retry) and logs the failure.
  expect(res.statusCode).toBe(503);
  expect(res.body).not.toContain(SECRET_TEXT);
  // A failing statement in a route reaches the request log.
  const create = await app.inject({ method: 'POST', url: '/api/rooms', headers: alice.headers, payload: { name: 'Zebra', description: SECRET_TEXT } });
  expect(create.statusCode).toBe(500);
  expect(create.body).not.toContain(SECRET_TEXT);

  const port = (app.server.address() as { port: number }).port;
  const ws = await WsClient.connect(`ws://127.0.0.1:${port}/ws`, alice.token);
  ws.send({ type: 'send', roomId: room.id, clientMsgId: 'zebra-ws', body: `ws ${SECRET_TEXT}` });
  const failed = await ws.next((f) => f.type === 'error');
  expect(JSON.stringify(failed)).not.toContain(SECRET_TEXT);
  await ws.close();

  const batchFailures = lines.filter((l) => l.includes('batch failed'));
  expect(batchFailures.length).toBeGreaterThanOrEqual(2);
  const requestFailure = lines.find((l) => l.includes('request failed'));
  expect(requestFailure).toContain('test_no_zebra_room');
  // What is useful stays: the SQLSTATE of a check violation and the constraint's name.
  expect(batchFailures[0]).toContain('23514');
  expect(batchFailures[0]).toContain('test_no_zebra');
  for (const line of lines) expect(line).not.toContain('zebra-secret');
  // The expected 503 (nothing stored, retry) is one warn line without a stack.
  const unavailable = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.code === 'UNAVAILABLE');
  expect(unavailable.length).toBeGreaterThanOrEqual(1);
  for (const line of unavailable) {
    expect(line.level).toBe(40);
    expect(JSON.stringify(line)).not.toContain('"stack"');
  }
});

it('serializes a Drizzle-wrapped driver error without params, detail or the params line', () => {
  const cause = Object.assign(new Error('new row violates check constraint "c"'), { code: '23514', constraint: 'c', detail: `Failing row contains (${SECRET_TEXT}).` });
  const wrapped = Object.assign(new Error(`Failed query: insert into messages values ($1)\nparams: ${SECRET_TEXT}`), {
    query: 'insert into messages values ($1)',
    params: [SECRET_TEXT],
    parameters: [SECRET_TEXT],
    cause,
  });
  const out = serializeError(wrapped);
  expect(JSON.stringify(out)).not.toContain(SECRET_TEXT);
  expect(out).toMatchObject({ message: 'Failed query: insert into messages values ($1)', query: 'insert into messages values ($1)' });
  expect(out.stack).toMatch(/^Error: Failed query: insert into messages values \(\$1\)\n {4}at /);
  expect(out.cause).toMatchObject({ code: '23514', constraint: 'c' });
});

it('masks the invite code of a /join link in the request log', async () => {
  await app.inject('/join/Zk9inviteCodeQ1?ref=mail');
  const logged = lines.filter((l) => l.includes('/join/'));
  expect(logged.length).toBeGreaterThan(0);
  for (const line of logged) expect(line).not.toContain('Zk9inviteCodeQ1');
});
