/**
 * `node bench/search-cost.mjs`: what message search costs the durable write path. The send->ack
 * load of bench/send-ack.mjs (10 senders, 10 in flight each, 1,000 messages each, one room) on
 * the production build (npm run build first), on Postgres, alternating two variants in one run:
 *   with     the schema as migrated: messages.search_vector (generated, STORED) + its GIN index
 *   without  the same database with that column (and so its index) dropped before the load
 * Each repetition gets a fresh database. Bodies are varied sentences of ~60-120 characters (a
 * tsvector of 'hello world' would flatter the index).
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/rtchat_bench node bench/search-cost.mjs [--reps=3]
 * The database name must contain "bench": it is dropped and recreated for every repetition.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import WebSocket from 'ws';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dbUrl = process.env.BENCH_DATABASE_URL;
if (!dbUrl || !new URL(dbUrl).pathname.includes('bench')) {
  console.error('set BENCH_DATABASE_URL to a Postgres database whose name contains "bench" (it is dropped and recreated)');
  process.exit(2);
}
const reps = Number(process.argv.find((a) => a.startsWith('--reps='))?.slice(7) ?? 3);
const SENDERS = 10, PER_SENDER = 1000, INFLIGHT = 10;
const WORDS = 'the quick brown fox jumps over lazy dogs while we ship releases tomorrow morning after review meeting notes about deploy rollback plan cafe creme naive budget design'.split(' ');
const bodyOf = (n) => {
  let s = `message ${n}:`;
  for (let i = 0; s.length < 60 + (n % 60); i++) s += ` ${WORDS[(n * 7 + i * 13) % WORDS.length]}`;
  return s;
};

async function recreate() {
  const name = new URL(dbUrl).pathname.slice(1);
  const admin = new pg.Client({ connectionString: Object.assign(new URL(dbUrl), { pathname: '/postgres' }).toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
}

async function run(variant) {
  await recreate();
  const port = 3950 + Math.floor(Math.random() * 40);
  const env = { ...process.env, DATABASE_URL: dbUrl, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', SEND_RATE_PER_SEC: '100000', SEND_BURST: '100000', REGISTER_PER_HOUR: '100000', DATA_DIR: mkdtempSync(path.join(tmpdir(), 'rtchat-search-cost-')), SESSION_SECRET: randomBytes(32).toString('base64url') };
  const child = spawn('node', ['dist/server.js'], { cwd: ROOT, env, stdio: 'inherit' });
  const url = `http://127.0.0.1:${port}`;
  for (;;) { try { if ((await fetch(url + '/readyz')).ok) break; } catch {} await new Promise((r) => setTimeout(r, 100)); }
  if (variant === 'without') {
    const c = new pg.Client({ connectionString: dbUrl });
    await c.connect();
    await c.query('ALTER TABLE messages DROP COLUMN search_vector');
    await c.end();
  }
  const post = async (p, body, token) => (await fetch(url + p, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) })).json();
  const users = [];
  for (let i = 0; i < SENDERS; i++) users.push(await post('/api/auth/register', { username: `sc${Date.now() % 100000}_${i}`, password: 'password123' }));
  const room = (await post('/api/rooms', { name: `bench ${Date.now()}` }, users[0].token)).room;
  for (const u of users.slice(1)) await post(`/api/rooms/${room.id}/join`, {}, u.token);
  const lat = [];
  const t0 = performance.now();
  await Promise.all(users.map((u, s) => new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { authorization: `Bearer ${u.token}` } });
    const sentAt = new Map(); let next = 0, done = 0;
    const pump = () => { while (next < PER_SENDER && sentAt.size < INFLIGHT) { const n = next++; const id = `s${s}-${n}`; sentAt.set(id, performance.now()); ws.send(JSON.stringify({ type: 'send', roomId: room.id, clientMsgId: id, body: bodyOf(s * PER_SENDER + n) })); } };
    ws.on('message', (d) => { const f = JSON.parse(d); if (f.type === 'ready') pump(); else if (f.type === 'ack') { lat.push(performance.now() - sentAt.get(f.clientMsgId)); sentAt.delete(f.clientMsgId); if (++done === PER_SENDER) { ws.close(); resolve(); } else pump(); } else if (f.type === 'error') console.log(f); });
  })));
  const secs = (performance.now() - t0) / 1000;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.floor(p * (lat.length - 1))];
  return { variant, rate: (SENDERS * PER_SENDER) / secs, p50: q(0.5), p99: q(0.99) };
}

const results = [];
for (let i = 0; i < reps; i++) {
  for (const variant of ['with', 'without']) {
    const r = await run(variant);
    results.push(r);
    console.log(`${variant.padEnd(7)} ${r.rate.toFixed(0).padStart(6)} msg/s  send->ack p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms`);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const summary = Object.fromEntries(['with', 'without'].map((v) => {
  const rs = results.filter((r) => r.variant === v);
  return [v, { rate: median(rs.map((r) => r.rate)), p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)) }];
}));
console.log(`\n| search index | msgs/s (median of ${reps}) | send->ack p50 ms | p99 ms |\n|---|---|---|---|`);
for (const v of ['with', 'without']) console.log(`| ${v} | ${summary[v].rate.toFixed(0)} | ${summary[v].p50.toFixed(2)} | ${summary[v].p99.toFixed(2)} |`);
console.log(`cost of the index: ${((1 - summary.with.rate / summary.without.rate) * 100).toFixed(1)}% of throughput`);
