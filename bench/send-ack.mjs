/**
 * `node bench/send-ack.mjs`: a quick send->ack measurement of the production build (npm run build
 * first): 10 senders, 10 messages in flight each, 1,000 messages each, into one room. Uses the
 * embedded database, or Postgres when DATABASE_URL is set (an empty database you can spare).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const port = 3900 + Math.floor(Math.random()*50);
const env = { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', SEND_RATE_PER_SEC: '100000', SEND_BURST: '100000', REGISTER_PER_HOUR: '100000', DATA_DIR: mkdtempSync(path.join(tmpdir(), 'rtchat-send-ack-')), SESSION_SECRET: randomBytes(32).toString('base64url') };
const child = spawn('node', ['dist/server.js'], { cwd: ROOT, env, stdio: 'inherit' });
const url = `http://127.0.0.1:${port}`;
for (;;) { try { if ((await fetch(url + '/readyz')).ok) break; } catch {} await new Promise(r => setTimeout(r, 100)); }
const post = async (p, body, token) => (await fetch(url + p, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) })).json();
const senders = 10, perSender = 1000, inflight = 10;
const users = [];
for (let i = 0; i < senders; i++) users.push(await post('/api/auth/register', { username: `m${Date.now() % 100000}_${i}`, password: 'password123' }));
const room = (await post('/api/rooms', { name: `bench ${Date.now()}` }, users[0].token)).room;
for (const u of users.slice(1)) await post(`/api/rooms/${room.id}/join`, {}, u.token);
const lat = [];
const t0 = performance.now();
await Promise.all(users.map((u, s) => new Promise((resolve) => {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { authorization: `Bearer ${u.token}` } });
  const sentAt = new Map(); let next = 0, done = 0;
  const pump = () => { while (next < perSender && sentAt.size < inflight) { const id = `s${s}-${next++}`; sentAt.set(id, performance.now()); ws.send(JSON.stringify({ type: 'send', roomId: room.id, clientMsgId: id, body: 'hello world' })); } };
  ws.on('error', (e) => console.error('websocket error', e.message));
  ws.on('message', (d) => { const f = JSON.parse(d); if (f.type === 'ready') { pump(); } else if (f.type === 'ack') { lat.push(performance.now() - sentAt.get(f.clientMsgId)); sentAt.delete(f.clientMsgId); if (++done === perSender) { ws.close(); resolve(); } else pump(); } else if (f.type === 'error') { console.log(f); } });
})));
const secs = (performance.now() - t0) / 1000;
lat.sort((a, b) => a - b);
const q = (p) => lat[Math.floor(p * (lat.length - 1))].toFixed(2);
console.log(`${process.env.DATABASE_URL ? 'postgres' : 'embedded'}: ${senders * perSender} messages by ${senders} senders (${inflight} in flight each) in ${secs.toFixed(2)} s = ${(senders * perSender / secs).toFixed(0)} msg/s; send->ack p50 ${q(0.5)} ms p99 ${q(0.99)} ms`);
child.kill('SIGTERM');
