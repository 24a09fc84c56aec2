/**
 * The durable limit row (`bench/scenarios/durable.mjs` starts it, pinned to the server core):
 * RtChat's group-commit policy and statement through node-postgres (or PGlite) alone, offered the
 * durable scenario's ladder by an open loop inside this process (same 5 ms tick as the generators,
 * the same senders and rooms). Latency is from the moment a message is offered to its commit.
 * Input (stdin, JSON): {env, people:[{userId, roomId}], steps, stepMs, warmMs, waitAcksMs, reps, p99BoundMs}.
 * Output (last stdout line, JSON): {lanes, maxBatch, reps: [{steps: [...]}]}.
 */
import { openRawDatabase } from '../lib/raw-db.mjs';
import { createRawWriter } from '../lib/raw-writer.mjs';
import { percentile } from '../lib/stats.mjs';

const input = JSON.parse(await new Promise((resolve) => {
  let text = '';
  process.stdin.on('data', (c) => (text += c)).on('end', () => resolve(text));
}));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();
const PAD = 'x'.repeat(80);

const db = await openRawDatabase(input.env);
const writer = await createRawWriter(db);
let n = 0;

async function step(rate) {
  const { stepMs, warmMs } = input;
  const start = now();
  const winStart = start + warmMs;
  const winEnd = start + stepMs;
  const lat = [];
  let stored = 0;
  let errors = 0;
  let firstError = null;
  let pendingInWindow = 0;
  let owed = 0;
  let last = start;
  let cpu0 = null;
  const cpuStart = process.cpuUsage();
  const offer = () => {
    const p = input.people[n % input.people.length];
    const sentAt = now();
    const inWindow = sentAt >= winStart && sentAt < winEnd;
    if (inWindow) pendingInWindow++;
    const body = `@@${(performance.timeOrigin + sentAt).toFixed(3)}@@ ${PAD}`;
    writer.send({ roomId: p.roomId, authorId: p.userId, clientMsgId: `raw-${n++}`, body }).then(
      () => {
        const t = now();
        if (inWindow) {
          lat.push(t - sentAt);
          pendingInWindow--;
        }
        if (t >= winStart && t < winEnd) stored++;
      },
      (err) => {
        errors++;
        firstError ??= String(err?.message ?? err);
        if (inWindow) pendingInWindow--;
      },
    );
  };
  for (;;) {
    const t = now();
    if (t >= winEnd) break;
    if (!cpu0 && t >= winStart) cpu0 = process.cpuUsage();
    owed += ((t - last) / 1000) * rate;
    last = t;
    while (owed >= 1) {
      owed--;
      offer();
    }
    await sleep(5);
  }
  const cpu = process.cpuUsage(cpu0 ?? cpuStart);
  const deadline = now() + (input.waitAcksMs ?? 3000);
  while (pendingInWindow > 0 && now() < deadline) await sleep(20);
  const windowMs = stepMs - warmMs;
  return {
    offered: rate,
    storedPerSec: Math.round(stored / (windowMs / 1000)),
    p50: Math.round(percentile(lat, 50) * 10) / 10,
    p99: Math.round(percentile(lat, 99) * 10) / 10,
    unacked: pendingInWindow,
    errors,
    ...(firstError ? { firstError } : {}),
    writerCpuPct: Math.round(((cpu.user + cpu.system) / 1000 / windowMs) * 100),
  };
}

const reps = [];
for (let rep = 0; rep < input.reps; rep++) {
  const steps = [];
  for (const rate of input.steps) {
    const s = await step(rate);
    steps.push(s);
    console.error(`[raw-writer] rep ${rep + 1} offered ${rate}/s -> stored ${s.storedPerSec}/s p50 ${s.p50} p99 ${s.p99} ms errors ${s.errors}${s.firstError ? ` (${s.firstError})` : ''} (writer cpu ${s.writerCpuPct}%)`);
    // The durable scenario's stopping rule: falling behind, p99 of a second or more, or errors.
    const saturated = s.storedPerSec < 0.9 * rate || !(s.p99 < 1000) || s.errors > 0;
    await sleep(saturated ? 2000 : 400);
    if (saturated) break;
  }
  reps.push({ steps });
}
const stats = writer.stats();
await db.close();
console.log(JSON.stringify({ lanes: writer.lanes, maxBatch: writer.maxBatch, meanBatch: Math.round((stats.rowsStored / Math.max(1, stats.batches)) * 10) / 10, reps }));
process.exit(0);
