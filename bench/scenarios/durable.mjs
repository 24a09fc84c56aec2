/**
 * Scenario "durable": `senders` users over `rooms` rooms send at an offered rate stepped up
 * (CFG.durable.steps); a step's figure is stored (acked) messages/s and send->ack p50/p99.
 * Three rows, each on a fresh database of the same server (Postgres) seeded alike:
 * - RtChat (dist/server.js, WebSocket `send` -> `ack`);
 * - the naive path (servers/naive-durable.mjs: one statement and transaction per message);
 * - the raw group-commit limit row (servers/raw-writer.mjs: RtChat's batching policy and exact
 *   statement through node-postgres alone, offered the same ladder inside its own process).
 * RtChat and the raw row are pinned to the server core.
 */
import { CFG, PORTS, SCRIPTS, initAll, log, rtchatFor, seedTag, split, withGenerators } from '../lib/context.mjs';
import { runLoadProcess } from '../lib/load-process.mjs';
import { ladderSummary } from '../lib/report.mjs';
import { SERVER_CPU, freshDatabase, sleep, startServer } from '../lib/setup.mjs';
import { median, percentile, ratio, round, spread } from '../lib/stats.mjs';

const how = () => ({ offered: (s) => s.offered, achieved: (s) => s.storedPerSec, p99Bound: CFG.durable.p99BoundMs });

function summarize(steps) {
  const s = ladderSummary(steps, how());
  // No step under the bound: the p99 reported is that of the lightest step, the best it did.
  return { ...s, headlineP99: s.headlineP99 ?? steps[0]?.p99 ?? null, maxPerSec: s.saturationPerSec, steps };
}

async function durableOverWs(kind) {
  const c = CFG.durable;
  let db = null;
  let srv;
  let people;
  try {
    if (kind === 'rtchat') {
      const rt = await rtchatFor('dur');
      people = rt.people;
      srv = { ...rt.srv, stop: rt.release };
    } else {
      db = await freshDatabase('_naive');
      people = (await seedTag(db, 'dur')).people;
      await db.release();
      srv = await startServer('naive', { port: PORTS.naive, script: SCRIPTS.naive, env: db.env });
    }
    const specs = people.map((p) => ({ token: kind === 'rtchat' ? p.token : undefined, userId: p.userId, roomId: p.roomId, role: 'send' }));
    return await withGenerators(c.gens, async (gens) => {
      await initAll(gens, kind, srv.port, split(specs, gens.length), 'd');
      // Unmeasured warm-up at the first step's rate: the ladder starts on a server whose send path
      // is compiled and whose pool connections have prepared their statements (a cold first step
      // held a 300 ms stall in its window).
      const firstRate = (kind === 'rtchat' ? c.steps : c.naiveSteps)[0];
      await Promise.all(gens.map((g) => g.ask({ cmd: 'run', rate: firstRate / gens.length, ms: 2000, warmMs: 0, waitAcksMs: c.waitAcksMs ?? 3000 })));
      await sleep(500);
      const reps = [];
      for (let rep = 0; rep < CFG.reps; rep++) {
        const steps = [];
        for (const rate of kind === 'rtchat' ? c.steps : c.naiveSteps) {
          srv.cpuMs();
          const res = await Promise.all(gens.map((g) => g.ask({ cmd: 'run', rate: rate / gens.length, ms: c.stepMs, warmMs: c.warmMs, waitAcksMs: c.waitAcksMs ?? 3000 })));
          const serverCpuMs = srv.cpuMs();
          const stored = res.reduce((a, r) => a + r.acksInWindow, 0) / (res[0].windowMs / 1000);
          const lat = res.flatMap((r) => r.ackLat);
          const step = {
            offered: rate,
            storedPerSec: Math.round(stored),
            p50: round(percentile(lat, 50)),
            p99: round(percentile(lat, 99)),
            unacked: res.reduce((a, r) => a + r.unacked, 0),
            errors: res.reduce((a, r) => a + r.errors, 0),
            genCpuPct: round((res.reduce((a, r) => a + r.cpuMs, 0) / res[0].windowMs) * 100, 0),
            serverCpuPct: round((serverCpuMs / c.stepMs) * 100, 0),
          };
          steps.push(step);
          log(`durable ${kind} rep ${rep + 1} offered ${rate}/s -> stored ${step.storedPerSec}/s ack p50 ${step.p50} p99 ${step.p99} ms errors ${step.errors} (server cpu ${step.serverCpuPct}%, gen cpu ${step.genCpuPct}%)`);
          const saturated = stored < 0.9 * rate || !(step.p99 < 1000) || step.errors > 0;
          await sleep(saturated ? 2000 : 400);
          if (saturated) break;
        }
        reps.push(summarize(steps));
      }
      return reps;
    });
  } finally {
    await srv?.stop();
    await db?.cleanup();
  }
}

/** The raw group-commit writer on a fresh database seeded like RtChat's. */
async function durableRaw() {
  const c = CFG.durable;
  const db = await freshDatabase('_raw');
  try {
    const { people } = await seedTag(db, 'dur');
    await db.release();
    const input = {
      env: db.env,
      people: people.map((p) => ({ userId: p.userId, roomId: p.roomId })),
      steps: c.steps,
      stepMs: c.stepMs,
      warmMs: c.warmMs,
      waitAcksMs: c.waitAcksMs ?? 3000,
      reps: CFG.reps,
    };
    const out = await runLoadProcess('servers/raw-writer.mjs', input, 'raw writer', SERVER_CPU);
    log(`durable raw: ${out.lanes} lanes, batches of up to ${out.maxBatch}, mean batch ${out.meanBatch}`);
    return { ...out, reps: out.reps.map((r) => summarize(r.steps)) };
  } finally {
    await db.cleanup();
  }
}

export async function durable() {
  const rt = await durableOverWs('rtchat');
  const naive = await durableOverWs('naive');
  const raw = await durableRaw();
  const perSec = spread(rt.map((r) => r.headlinePerSec));
  const p99 = spread(rt.map((r) => r.headlineP99));
  const naiveMax = spread(naive.map((r) => r.maxPerSec));
  const rawHead = spread(raw.reps.map((r) => r.headlinePerSec));
  const rtMax = median(rt.map((r) => r.maxPerSec));
  return {
    perSec: perSec.median,
    p99AckMs: p99.median,
    maxPerSec: rtMax,
    naivePerSec: naiveMax.median,
    rawPerSec: rawHead.median,
    rawP99Ms: median(raw.reps.map((r) => r.headlineP99)),
    rawMaxPerSec: median(raw.reps.map((r) => r.maxPerSec)),
    ratioVsNaive: ratio(perSec.median, naiveMax.median),
    ratioVsRawLimit: ratio(perSec.median, rawHead.median),
    maxRatioVsNaive: ratio(rtMax, naiveMax.median),
    saturatedAtOffered: median(rt.map((r) => r.saturatedAtOffered)),
    definition:
      'perSec / rawPerSec: stored messages/s at the highest step with send->ack p99 <= 25 ms and >= 90% stored WITH EVERY LOWER STEP SO TOO (p99AckMs: at that step, or at the lightest step when none passed); naivePerSec: the naive path at saturation (its best, whatever the latency); maxPerSec: the most stored at any step',
    raw: { lanes: raw.lanes, maxBatch: raw.maxBatch, meanBatch: raw.meanBatch },
    spread: { rtchat: perSec, p99AckMs: p99, naive: naiveMax, raw: rawHead },
    config: CFG.durable,
    runs: { rtchat: rt, naive, raw: raw.reps },
  };
}
