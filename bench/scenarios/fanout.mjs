/**
 * Scenario "fanout": one room of `subscribers` members, `senders` of them sending, offered rate
 * stepped up (CFG.fanout.steps, messages/s; deliveries/s = that x subscribers). Servers side by side:
 * RtChat, plain `ws`, Socket.IO, the tuned limit row (servers/tuned-broadcast.mjs) and, on Postgres,
 * two RtChat instances via Redis. All are started and connected first (idle while the others run),
 * and their ladders are interleaved repetition by repetition, so load from elsewhere hits them alike.
 * A ladder goes on until it saturates (see lib/report.mjs for the headline and saturation rules).
 */
import { CFG, PORTS, QUICK, SCRIPTS, initAll, log, rtchatEnv, rtchatFor, scrapeCounters, seedTag, split, started } from '../lib/context.mjs';
import { ladderSummary } from '../lib/report.mjs';
import { checkpoint, freshDatabase, sleep, startGenerator, startServer } from '../lib/setup.mjs';
import { median, percentile, ratio, round, spread } from '../lib/stats.mjs';

/** Why the two-instance fan-out does not run here, or null when it does. */
function twoInstanceSkip() {
  if (!process.env.BENCH_DATABASE_URL?.trim()) return 'needs BENCH_DATABASE_URL (several instances share one Postgres)';
  if (QUICK) return 'not in --quick (a second database and two more servers would push it past a minute)';
  if (CFG.fanout.gens < 2) return 'needs at least two generators';
  return null;
}

/**
 * Two RtChat instances on one seeded database, talking through Redis (REDIS_PREFIX unique to
 * this run, its keys deleted on stop), both pinned to the server core like the single instance.
 * `srv` sums their CPU; `port` lists both, so half the generators connect to each.
 */
async function twoInstances() {
  const db = await freshDatabase('_two');
  const prefix = `rtchat-bench-${started}:`;
  const instances = [];
  const stop = async () => {
    await Promise.all(instances.map((s) => s.stop()));
    await db.cleanup();
    await dropRedisPrefix(prefix);
  };
  try {
    const seeded = await seedTag(db, 'fan');
    await db.release();
    const env = { ...rtchatEnv(db.env), REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PREFIX: prefix };
    for (const port of PORTS.rtchat2) instances.push(await startServer('rtchat', { port, script: SCRIPTS.rtchat, env }));
    const srv = { name: 'rtchat2', port: PORTS.rtchat2, cpuMs: () => instances.reduce((a, s) => a + s.cpuMs(), 0), ordering: () => orderingOf(PORTS.rtchat2), stop };
    return { srv, ...seeded };
  } catch (err) {
    await stop();
    throw err;
  }
}

const ORDERING = ['rtchat_ordering_waits_total', 'rtchat_ordering_wait_seconds_total', 'rtchat_messages_stored_total', 'rtchat_redis_bus_received_total'];

/**
 * The instances' ordering counters summed: events that waited for the other instance's earlier
 * seqs before delivery, their summed wait, and every event delivered (own commits and the bus's).
 */
async function orderingOf(ports) {
  const all = await Promise.all(ports.map((p) => scrapeCounters(p, ORDERING)));
  const sum = (n) => all.reduce((a, c) => a + c[n], 0);
  return { waits: sum(ORDERING[0]), seconds: sum(ORDERING[1]), events: sum(ORDERING[2]) + sum(ORDERING[3]) };
}

/** What a step's ordering waits were, from the counters before and after it. */
function orderingStep(before, after) {
  const waits = after.waits - before.waits;
  const events = after.events - before.events;
  return { waitedPct: events ? round((100 * waits) / events, 1) : 0, meanWaitMs: waits ? round(((after.seconds - before.seconds) * 1000) / waits, 1) : 0 };
}

async function dropRedisPrefix(prefix) {
  const { Redis } = await import('ioredis');
  const r = new Redis('redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000 });
  try {
    await r.connect();
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await r.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } catch (err) {
    log(`could not clear Redis keys ${prefix}*: ${err?.message ?? err}`);
  } finally {
    r.disconnect();
  }
}

/** Starts a server for the fan-out room and connects its clients. */
async function fanoutSetup(server, gens) {
  const c = CFG.fanout;
  const roleOf = (i) => (i < c.senders ? 'send' : i < c.senders + c.samplers ? 'sample' : 'recv');
  let specs;
  let srv;
  if (server === 'rtchat' || server === 'rtchat2') {
    const rt = server === 'rtchat' ? await rtchatFor('fan') : await twoInstances();
    srv = server === 'rtchat' ? { ...rt.srv, stop: rt.release } : rt.srv;
    specs = rt.people.map((p, i) => ({ token: p.token, userId: p.userId, roomId: rt.roomIds[0], role: roleOf(i) }));
  } else {
    // The tuned row carries RtChat's bytes per delivery (its message frame), not the generator's short echo.
    const env = server === 'tuned' ? { PAD_TO: String(c.rtchatFrameBytes) } : {};
    srv = await startServer(server, { port: PORTS[server], script: SCRIPTS[server], env });
    specs = Array.from({ length: c.subscribers + c.senders }, (_, i) => ({ role: roleOf(i) }));
  }
  // Senders, samplers and receivers are dealt round-robin, so with two instances each gets half.
  const wire = server === 'rtchat2' ? 'rtchat' : server === 'tuned' ? 'ws' : server;
  const setup = await initAll(gens, wire, srv.port, split(specs, gens.length), `f${server}`).catch(async (err) => {
    await srv.stop();
    throw err;
  });
  log(`fanout ${server}: ${specs.length} connections in ${Math.round(Math.max(...setup.map((r) => r.ms)))} ms`);
  return srv;
}

/** One ladder: offered rate stepped up until the server saturates. */
async function fanoutLadder(server, srv, gens, rep) {
  const c = CFG.fanout;
  const how = { offered: (s) => s.offeredDeliveries, achieved: (s) => s.deliveredPerSec, p99Bound: c.p99BoundMs };
  const steps = [];
  let failedInARow = 0;
  await checkpoint();
  for (const rate of c.steps) {
    const ordering0 = await srv.ordering?.();
    srv.cpuMs();
    const res = await Promise.all(gens.map((g) => g.ask({ cmd: 'run', rate: rate / gens.length, ms: c.stepMs, warmMs: c.warmMs })));
    const serverCpuMs = srv.cpuMs();
    const windowMs = res[0].windowMs;
    const delivered = res.reduce((a, r) => a + r.frames, 0) / (windowMs / 1000);
    const lat = res.flatMap((r) => r.lat);
    const step = {
      offeredMsgs: rate,
      offeredDeliveries: rate * c.subscribers,
      deliveredPerSec: Math.round(delivered),
      p50: round(percentile(lat, 50)),
      p95: round(percentile(lat, 95)),
      p99: round(percentile(lat, 99)),
      samples: lat.length,
      // Per generator process, % of one core: near 100 means the generators, not the server, set the pace.
      genCpuPct: round(Math.max(...res.map((r) => r.cpuMs)) / windowMs * 100, 0),
      serverCpuPct: round((serverCpuMs / c.stepMs) * 100, 0),
      errors: res.reduce((a, r) => a + r.errors, 0),
      // Two instances: the share of deliveries that waited for the other's earlier seqs, and how long.
      ...(ordering0 ? { ordering: orderingStep(ordering0, await srv.ordering()) } : {}),
    };
    steps.push(step);
    const waited = step.ordering ? `; ${step.ordering.waitedPct}% of events waited for the other instance's, mean ${step.ordering.meanWaitMs} ms` : '';
    log(`fanout ${server} rep ${rep + 1} offered ${step.offeredDeliveries}/s -> ${step.deliveredPerSec}/s p50 ${step.p50} p95 ${step.p95} p99 ${step.p99} ms (server cpu ${step.serverCpuPct}%, busiest generator ${step.genCpuPct}%${waited})`);
    const passed = ladderSummary([step], how).saturated === false;
    failedInARow = passed ? 0 : failedInARow + 1;
    // Saturated: falling behind, p99 of a second, or two steps in a row over the bound.
    const done = delivered < 0.9 * step.offeredDeliveries || !(step.p99 < 1000) || failedInARow >= 2;
    await sleep(done ? 2500 : 300);
    if (done) break;
  }
  const summary = ladderSummary(steps, how);
  const genBound = steps.some((s) => s.genCpuPct >= 90);
  return { ...summary, ...(genBound ? { generatorBound: 'a generator process used >= 90% of its core at some step' } : {}), steps };
}

export async function fanout() {
  const skipTwo = twoInstanceSkip();
  if (skipTwo) log(`fanout: two-instance RtChat skipped: ${skipTwo}`);
  const servers = ['rtchat', 'ws', 'sio', 'tuned', ...(skipTwo ? [] : ['rtchat2'])];
  const out = Object.fromEntries(servers.map((s) => [s, []]));
  const gensBy = {};
  const srvBy = {};
  try {
    for (const [k, server] of servers.entries()) {
      gensBy[server] = Array.from({ length: CFG.fanout.gens }, (_, i) => startGenerator(i + k * CFG.fanout.gens));
      srvBy[server] = await fanoutSetup(server, gensBy[server]);
    }
    await sleep(1000);
    for (let rep = 0; rep < CFG.reps; rep++) {
      for (const server of servers) out[server].push(await fanoutLadder(server, srvBy[server], gensBy[server], rep));
    }
  } finally {
    for (const server of servers) {
      await Promise.all((gensBy[server] ?? []).map((g) => g.stop()));
      await srvBy[server]?.stop();
    }
  }
  const head = (s) => spread(out[s].map((r) => r.headlinePerSec));
  const saturation = Object.fromEntries(
    servers.map((s) => [
      s,
      {
        perSec: median(out[s].map((r) => r.saturationPerSec)),
        saturated: out[s].every((r) => r.saturated),
        atOfferedPerSec: median(out[s].map((r) => r.saturatedAtOffered)),
        reasons: out[s].map((r) => r.saturationReason),
      },
    ]),
  );
  const rt = head('rtchat');
  const ws = head('ws');
  const sio = head('sio');
  const tuned = head('tuned');
  const two = skipTwo ? null : head('rtchat2');
  return {
    rtchatPerSec: rt.median,
    baselinePerSec: ws.median,
    socketioPerSec: sio.median,
    tunedPerSec: tuned.median,
    ratioVsBaseline: ratio(rt.median, ws.median),
    ratioVsSocketIO: ratio(rt.median, sio.median),
    ratioVsTunedLimit: ratio(rt.median, tuned.median),
    // RtChat's ceiling: the most it delivered at any step (median over repetitions).
    saturationPerSec: saturation.rtchat.perSec,
    saturation,
    definition:
      'xPerSec: deliveries/s at the highest step with p99 <= bound and >= 90% delivered WITH EVERY LOWER STEP SO TOO (median over repetitions); saturation: first failing step, perSec = the most delivered at any step (saturated=false: the top of the ladder was reached, perSec is a lower bound)',
    spread: { rtchat: rt, baseline: ws, socketio: sio, tuned, ...(two ? { twoInstance: two } : {}) },
    // Two RtChat instances (one database, Redis between them), half the clients on each.
    twoInstancePerSec: two?.median ?? null,
    twoInstanceRatioVsOne: two ? ratio(two.median, rt.median) : null,
    ...(skipTwo ? { twoInstanceSkipped: skipTwo } : {}),
    config: CFG.fanout,
    runs: out,
  };
}
