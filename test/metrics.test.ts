/**
 * GET /metrics: a 404 like any unknown route without METRICS_TOKEN; 401 for anything but the
 * exact Bearer token; with it, Prometheus text whose counters and gauges follow real traffic over
 * real sockets (messages, batches, deliveries, connections, uploads) and, with Redis, the bus.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { canRunPair, startRedisPair, waitForFrames } from './authz-helpers.js';
import { solidImage, uploadOk } from './file-helpers.js';
import { createRoom, joinRoom, register, sleep, startServer, WsClient, type TestServer } from './helpers.js';

const TOKEN = 'mt-3f9a1c7e5b2d4086a1e9c3b7d5f20468';

/** The value of one sample (`name` with exactly these labels); undefined when absent. */
function sample(text: string, name: string, labels = ''): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m && m[1] === name && (m[2] ?? '') === labels) return Number(m[3]);
  }
  return undefined;
}

async function scrape(server: TestServer, token = TOKEN): Promise<string> {
  const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

/** Scrapes until `pred` holds (counters are read at scrape time; frames may still be in flight). */
async function scrapeUntil(server: TestServer, pred: (text: string) => boolean): Promise<string> {
  let text = '';
  for (let i = 0; i < 100; i++) {
    text = await scrape(server);
    if (pred(text)) return text;
    await sleep(20);
  }
  return text;
}

describe('without METRICS_TOKEN', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server?.close());

  it('answers 404 like an unknown route (not the SPA, not a hint), whatever the headers', async () => {
    for (const headers of [{}, { authorization: `Bearer ${TOKEN}` }, { authorization: 'Bearer ' }]) {
      const res = await server.app.inject({ method: 'GET', url: '/metrics', headers });
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json()).toMatchObject({ code: 'NOT_FOUND', message: 'Route GET /metrics not found' });
      expect(res.headers['www-authenticate']).toBeUndefined();
    }
    expect(server.app.metrics).toBeNull();
  });
});

describe('with METRICS_TOKEN', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ METRICS_TOKEN: TOKEN });
  });
  afterAll(() => server?.close());

  it('refuses a missing, wrong or malformed Authorization with 401 in the contract shape', async () => {
    const bad: (string | undefined)[] = [
      undefined,
      '',
      'Bearer',
      'Bearer ',
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN} ${TOKEN}`,
      `Basic ${Buffer.from(`metrics:${TOKEN}`).toString('base64')}`,
      TOKEN,
      `Token ${TOKEN}`,
      `Bearer ${'a'.repeat(8000)}`,
      `Bearer ${TOKEN}\u00e9`,
      `Bearer\t${TOKEN}`,
      `Bearer ${TOKEN.toUpperCase()}`,
    ];
    for (const authorization of bad) {
      const res = await server.app.inject({ method: 'GET', url: '/metrics', headers: authorization === undefined ? {} : { authorization } });
      expect(res.statusCode, JSON.stringify(authorization?.slice(0, 60))).toBe(401);
      expect(res.json()).toMatchObject({ code: 'UNAUTHORIZED' });
      expect(res.headers['www-authenticate']).toBe('Bearer realm="metrics"');
      expect(res.body).not.toContain('rtchat_');
    }
    // Not in the query string either, and a session token is no metrics token.
    expect((await server.app.inject({ method: 'GET', url: `/metrics?token=${TOKEN}` })).statusCode).toBe(401);
    const user = await register(server.app);
    expect((await server.app.inject({ method: 'GET', url: '/metrics', headers: user.headers })).statusCode).toBe(401);
  });

  it('accepts the scheme in any case and answers Prometheus text with the process metrics', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `bearer ${TOKEN}` } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toContain('# TYPE rtchat_messages_stored_total counter');
    expect(res.body).toContain('# TYPE rtchat_write_batch_seconds histogram');
    expect(sample(res.body, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sample(res.body, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    // One instance: no Redis series.
    expect(res.body).not.toContain('rtchat_redis_bus');
  });

  it('counts stored messages, batches and deliveries from real sockets; the gauges follow open and close', async () => {
    const before = await scrape(server);
    const owner = await register(server.app);
    const reader = await register(server.app);
    const { room } = await createRoom(server.app, owner);
    await joinRoom(server.app, reader, room);
    const ws1 = await WsClient.connect(server.wsUrl, owner.token);
    const ws2 = await WsClient.connect(server.wsUrl, reader.token);
    await ws1.subscribe(room.id);
    await ws2.subscribe(room.id);

    const open = await scrapeUntil(server, (t) => sample(t, 'rtchat_websocket_connections') === 2);
    expect(sample(open, 'rtchat_websocket_connections')).toBe(2);
    expect(sample(open, 'rtchat_websocket_subscriptions')).toBe(2);

    const n = 5;
    for (let i = 0; i < n; i++) ws1.send({ type: 'send', roomId: room.id, clientMsgId: `metrics-${i}`, body: `hello ${i}` });
    await waitForFrames(ws1, (f) => f.type === 'ack', n);
    await waitForFrames(ws2, (f) => f.type === 'message', n);

    const after = await scrape(server);
    const delta = (name: string, labels = '') => (sample(after, name, labels) ?? 0) - (sample(before, name, labels) ?? 0);
    expect(delta('rtchat_messages_stored_total')).toBe(n);
    expect(delta('rtchat_log_events_stored_total')).toBe(0);
    // n acks to the sender and n messages to the reader, at least (subscribe replies count too).
    expect(delta('rtchat_fanout_deliveries_total')).toBeGreaterThanOrEqual(2 * n);
    const batches = delta('rtchat_write_batch_size_count', '{kind="send"}');
    expect(batches).toBeGreaterThanOrEqual(1);
    expect(batches).toBeLessThanOrEqual(n);
    expect(delta('rtchat_write_batch_size_sum', '{kind="send"}')).toBe(n);
    expect(delta('rtchat_write_batch_seconds_count', '{kind="send"}')).toBe(batches);
    expect(sample(after, 'rtchat_write_batch_seconds_sum', '{kind="send"}')).toBeGreaterThan(0);
    expect(sample(after, 'rtchat_ephemeral_dropped_total')).toBe(0);
    expect(sample(after, 'rtchat_websocket_too_slow_closes_total')).toBe(0);

    // An edit is a log event, not a message.
    const sent = (await waitForFrames(ws2, (f) => f.type === 'message', n))[0]!.message as { id: string };
    const edit = await server.app.inject({ method: 'PATCH', url: `/api/rooms/${room.id}/messages/${sent.id}`, headers: owner.headers, payload: { body: 'edited' } });
    expect(edit.statusCode).toBe(200);
    const edited = await scrape(server);
    expect((sample(edited, 'rtchat_log_events_stored_total') ?? 0) - (sample(after, 'rtchat_log_events_stored_total') ?? 0)).toBe(1);
    expect(sample(edited, 'rtchat_write_batch_size_count', '{kind="op"}')).toBeGreaterThanOrEqual(1);

    await ws2.close();
    const one = await scrapeUntil(server, (t) => sample(t, 'rtchat_websocket_connections') === 1);
    expect(sample(one, 'rtchat_websocket_connections')).toBe(1);
    expect(sample(one, 'rtchat_websocket_subscriptions')).toBe(1);
    await ws1.close();
    const none = await scrapeUntil(server, (t) => sample(t, 'rtchat_websocket_connections') === 0);
    expect(sample(none, 'rtchat_websocket_connections')).toBe(0);
    expect(sample(none, 'rtchat_websocket_subscriptions')).toBe(0);
  });

  it('counts the bytes of uploads', async () => {
    const user = await register(server.app);
    const before = sample(await scrape(server), 'rtchat_upload_bytes_total') ?? 0;
    const bytes = await solidImage('png', 64, 48);
    await uploadOk(server.url, user, { bytes, name: 'a.png' });
    expect(sample(await scrape(server), 'rtchat_upload_bytes_total')! - before).toBe(bytes.length);
  });

  it('is not served under /api', async () => {
    expect((await server.app.inject({ method: 'GET', url: '/api/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(404);
  });
});

describe('METRICS_TOKEN validation', () => {
  const load = (token: string) => () => loadConfig({ METRICS_TOKEN: token, SESSION_SECRET: 'test-secret-test-secret-test-secret-0123', DATA_DIR: '/nonexistent-rtchat-config-test' });
  it('refuses short, predictable or header-unsafe tokens, naming the variable', () => {
    for (const bad of ['short', 'a'.repeat(40), 'abababababababababab', 'has space in it 0123456789', 'tok\u00e9n-0123456789abcdef', 'x,y;z:0123456789abcdef', ' 3f9a1c7e5b2d4086a1e9']) {
      expect(load(bad), bad).toThrow(ConfigError);
      try {
        load(bad)();
      } catch (err) {
        expect((err as ConfigError).problems.join(' ')).toContain('METRICS_TOKEN');
      }
    }
  });
  it('takes a random one; unset or empty turns /metrics off', () => {
    expect(load(TOKEN)().metricsToken).toBe(TOKEN);
    expect(load('')().metricsToken).toBeNull();
  });
});

describe.skipIf(!canRunPair)('with Redis', () => {
  let pair: Awaited<ReturnType<typeof startRedisPair>>;
  beforeAll(async () => {
    pair = await startRedisPair({ METRICS_TOKEN: TOKEN });
  });
  afterAll(() => pair?.close());

  it('shows the bus connected and counts what is published and received', async () => {
    const { a, b } = pair;
    const beforeB = await scrape(b);
    expect(sample(beforeB, 'rtchat_redis_bus_connected')).toBe(1);
    const owner = await register(a.app);
    const reader = await register(a.app);
    const { room } = await createRoom(a.app, owner);
    await joinRoom(a.app, reader, room);
    const onB = await WsClient.connect(b.wsUrl, reader.token);
    await onB.subscribe(room.id);
    const beforeA = await scrape(a);
    const sender = await WsClient.connect(a.wsUrl, owner.token);
    sender.send({ type: 'send', roomId: room.id, clientMsgId: 'bus-1', body: 'across' });
    await waitForFrames(onB, (f) => f.type === 'message', 1);
    const afterA = await scrape(a);
    expect(sample(afterA, 'rtchat_redis_bus_published_total')! - sample(beforeA, 'rtchat_redis_bus_published_total')!).toBeGreaterThanOrEqual(1);
    const afterB = await scrape(b);
    expect(sample(afterB, 'rtchat_redis_bus_received_total')!).toBeGreaterThan(sample(beforeB, 'rtchat_redis_bus_received_total')!);
    // Ordering waits are counted with the bus (the summed wait is zero exactly when none waited).
    const waits = sample(afterB, 'rtchat_ordering_waits_total');
    const waited = sample(afterB, 'rtchat_ordering_wait_seconds_total');
    expect(waits).toBeGreaterThanOrEqual(0);
    expect(waited === 0).toBe(waits === 0);
    await sender.close();
    await onB.close();
  });
});
