/**
 * What every scenario shares: the run's mode and configuration (CFG), ports and server scripts,
 * the log, RtChat instances on freshly seeded databases, and the generator plumbing.
 * Quick runs keep ONE RtChat server (seeded up front for every scenario that runs) since the
 * embedded database takes seconds to open; full runs give each scenario a fresh database.
 */
import path from 'node:path';
import { ROOT, SESSION_SECRET, freshDatabase, seed, startGenerator, startServer } from './setup.mjs';

const argv = process.argv.slice(2);
export const QUICK = argv.includes('--quick');
export const ONLY = argv.find((a) => a.startsWith('--only='))?.slice(7).split(',').filter(Boolean) ?? null;
/** What the results file says it is: a full run, a smoke test, or some scenarios only. */
export const MODE = ONLY ? 'only' : QUICK ? 'quick' : 'full';
const repsArg = Number(argv.find((a) => a.startsWith('--reps='))?.slice(7));
export const want = (name) => !ONLY || ONLY.includes(name);

// BENCH_PORT_BASE moves every server's port, so two benchmark runs on one machine don't collide.
const PORT_BASE = Number(process.env.BENCH_PORT_BASE) || 39101;
export const PORTS = {
  rtchat: PORT_BASE,
  ws: PORT_BASE + 1,
  sio: PORT_BASE + 2,
  naive: PORT_BASE + 3,
  rtchat2: [PORT_BASE + 4, PORT_BASE + 5],
  tuned: PORT_BASE + 6,
  // A scenario's own server beside the quick run's shared one.
  rtchatOwn: PORT_BASE + 7,
  bareHistory: PORT_BASE + 8,
};
export const SCRIPTS = {
  rtchat: path.join(ROOT, 'dist/server.js'),
  ws: path.join(ROOT, 'bench/servers/baseline-ws.mjs'),
  sio: path.join(ROOT, 'bench/servers/socketio.mjs'),
  naive: path.join(ROOT, 'bench/servers/naive-durable.mjs'),
  tuned: path.join(ROOT, 'bench/servers/tuned-broadcast.mjs'),
  bareHistory: path.join(ROOT, 'bench/servers/bare-history.mjs'),
};

export const CFG = QUICK
  ? {
      reps: 2,
      fanout: { subscribers: 200, samplers: 20, senders: 10, gens: 1, steps: [50, 100, 200, 400], stepMs: 600, warmMs: 150, p99BoundMs: 100, rtchatFrameBytes: 590 },
      durable: {
        senders: 100,
        rooms: 10,
        gens: 1,
        steps: [25, 100, 400, 1500],
        naiveSteps: [25, 100, 400, 800],
        stepMs: 700,
        warmMs: 150,
        waitAcksMs: 800,
        p99BoundMs: 25,
      },
      idle: { conns: 1000, gens: 1, reps: 1, settleMs: 400 },
      history: { messages: 20_000, requests: 100 },
      storm: { subs: 200, rooms: 4, rate: 40, gens: 1, beforeMs: 200, catchUpMs: 800, afterMs: 200 },
      storm10k: { subs: 500, rooms: 4, rate: 40, gens: 1, beforeMs: 200, catchUpMs: 800, afterMs: 200 },
      reactions: { receivers: 200, actors: 20, samplers: 10, rate: 50, ms: 1500, warmMs: 300 },
      uploads: { receivers: 100, actors: 10, uploaders: 10, samplers: 10, rate: 50, ms: 3000, warmMs: 300, uploadMs: 5000, photoMB: 5 },
    }
  : {
      reps: 3,
      fanout: {
        subscribers: 1000,
        samplers: 50,
        senders: 50,
        gens: 2,
        // Messages/s into the 1,000-member room, up to where the tuned limit row saturates.
        steps: [20, 40, 60, 80, 100, 130, 160, 200, 250, 300, 375, 450, 550, 650, 800, 1000, 1250, 1600, 2000, 2500, 3200, 4000],
        stepMs: 2500,
        warmMs: 700,
        p99BoundMs: 100,
        // RtChat's message frame in this scenario (a 97-character body, a seeded author, no
        // attachments): the tuned row pads its frames to it (servers/tuned-broadcast.mjs PAD_TO).
        rtchatFrameBytes: 590,
      },
      durable: {
        senders: 1000,
        rooms: 100,
        gens: 2,
        steps: [1000, 2000, 3000, 5000, 7500, 10000, 15000, 20000, 25000, 30000, 40000],
        naiveSteps: [250, 500, 1000, 1500, 2000, 2500, 3000, 4000],
        stepMs: 3000,
        warmMs: 800,
        p99BoundMs: 25,
      },
      idle: { conns: 10_000, gens: 4, settleMs: 2000 },
      history: { messages: 1_000_000, requests: 1000 },
      storm: { subs: 2000, rooms: 10, rate: 100, gens: 2, beforeMs: 2000, catchUpMs: 5000, afterMs: 2000 },
      storm10k: { subs: 10_000, rooms: 10, rate: 100, gens: 4, beforeMs: 2000, catchUpMs: 10_000, afterMs: 2000 },
      // A 1,000-member room: 950 subscribed receivers and 50 actors (also subscribed).
      reactions: { receivers: 950, actors: 50, samplers: 20, rate: 100, ms: 5000, warmMs: 1000 },
      // 10 users uploading 5 MB photos beside a 200-member room's fan-out (bounded: < 2 min).
      uploads: { receivers: 200, actors: 20, uploaders: 10, samplers: 20, rate: 100, ms: 10_000, warmMs: 1000, uploadMs: 15_000, photoMB: 5 },
    };
if (Number.isFinite(repsArg) && repsArg > 0) CFG.reps = repsArg;

export const started = Date.now();
export const log = (...a) => console.log(`[bench ${((Date.now() - started) / 1000).toFixed(1)}s]`, ...a);

/** Every RtChat server of a run serves /metrics (as a production one would), for this token. */
export const METRICS_TOKEN = 'bench-metrics-token-0123456789abcdef';

/** The counters of `names` on an RtChat server's /metrics (0 for one it does not have). */
export async function scrapeCounters(port, names) {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  if (!res.ok) throw new Error(`GET /metrics on ${port}: ${res.status}`);
  const lines = (await res.text()).split('\n');
  return Object.fromEntries(names.map((n) => [n, Number(lines.find((l) => l.startsWith(`${n} `))?.slice(n.length + 1) ?? 0)]));
}

export function rtchatEnv(dbEnv) {
  return {
    ...dbEnv,
    SESSION_SECRET,
    METRICS_TOKEN,
    LOG_LEVEL: 'warn',
    SEND_RATE_PER_SEC: '100000',
    SEND_BURST: '100000',
    REGISTER_PER_HOUR: '1000000',
    // The scenarios hold up to 10,000 sockets from one address and a few users.
    WS_MAX_PER_USER: '1000000',
    WS_MAX_PER_IP: '1000000',
    UPLOADS_PER_MINUTE: '1000000',
    UPLOAD_QUOTA_BYTES: String(1024 ** 4),
  };
}

export async function withGenerators(n, fn) {
  const gens = Array.from({ length: n }, (_, i) => startGenerator(i));
  try {
    return await fn(gens);
  } finally {
    await Promise.all(gens.map((g) => g.stop()));
  }
}

/** Splits specs round-robin over generators. */
export function split(specs, n) {
  const parts = Array.from({ length: n }, () => []);
  specs.forEach((s, i) => parts[i % n].push(s));
  return parts;
}

export async function initAll(gens, server, port, parts, tag) {
  const replies = await Promise.all(
    // `port` may list several instances: generator i connects to port[i % port.length].
    gens.map((g, i) => {
      const p = Array.isArray(port) ? port[i % port.length] : port;
      return g.ask({ cmd: 'init', server, port: p, conns: parts[i], localAddress: g.localAddress, tag: `${tag}${i}` }, 300_000);
    }),
  );
  const failed = replies.reduce((a, r) => a + r.failed, 0);
  if (failed) throw new Error(`${failed} connections failed (${replies.find((r) => r.firstError)?.firstError})`);
  return replies;
}

// ---------------------------------------------------------------- RtChat instances
/** What each RtChat scenario seeds: users (with sessions), rooms, and history messages. */
export const SEEDS = {
  fan: () => ({ users: CFG.fanout.subscribers + CFG.fanout.senders, rooms: 1 }),
  dur: () => ({ users: CFG.durable.senders, rooms: CFG.durable.rooms }),
  idle: () => ({ users: CFG.idle.conns, rooms: 100 }),
  hist: () => ({ users: 10, rooms: 1, history: CFG.history.messages }),
  storm: () => ({ users: CFG.storm.subs + CFG.storm.rooms, rooms: CFG.storm.rooms }),
  s10k: () => ({ users: CFG.storm10k.subs + CFG.storm10k.rooms, rooms: CFG.storm10k.rooms }),
  react: () => ({ users: CFG.reactions.receivers + CFG.reactions.actors, rooms: 1 }),
  upl: () => ({ users: CFG.uploads.receivers + CFG.uploads.actors + CFG.uploads.uploaders, rooms: 1 }),
};
const SCENARIO_OF = { fan: 'fanout', dur: 'durable', idle: 'idle', hist: 'history', storm: 'storm', s10k: 'storm10k', react: 'reactions', upl: 'uploads' };
let shared = null;
/** Tags that always get a server of their own (history: its raw row opens the embedded data directory). */
const OWN_SERVER = new Set(['hist']);

export async function seedTag(db, tag) {
  const spec = SEEDS[tag]();
  const t0 = Date.now();
  const seeded = await seed(db, { users: spec.users, rooms: spec.rooms, tag });
  if (spec.history) await insertHistory(db, seeded.roomIds[0], seeded.people, spec.history);
  log(`seeded ${tag}: ${spec.users} users, ${spec.rooms} rooms${spec.history ? `, ${spec.history} messages` : ''} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return seeded;
}

/**
 * An RtChat server with the tag's users and rooms: `{srv, people, roomIds, dbEnv, release}`.
 * Full runs (and `own`): a fresh database and server per call (stopped by `release`); `stopServer` stops the
 * server but keeps the database (an embedded one can then be opened by another process).
 */
export async function rtchatFor(tag, { own = false } = {}) {
  if (QUICK && !own) {
    if (!shared) {
      const db = await freshDatabase();
      const seeded = {};
      for (const t of Object.keys(SEEDS)) if (want(SCENARIO_OF[t]) && !OWN_SERVER.has(t)) seeded[t] = await seedTag(db, t);
      await db.release();
      const srv = await startServer('rtchat', { port: PORTS.rtchat, script: SCRIPTS.rtchat, env: rtchatEnv(db.env) });
      shared = { db, srv, seeded };
    }
    return { srv: shared.srv, ...shared.seeded[tag], dbEnv: shared.db.env, shared: true, stopServer: async () => undefined, release: async () => undefined };
  }
  const db = await freshDatabase(own ? '_own' : '');
  try {
    const seeded = await seedTag(db, tag);
    await db.release();
    const srv = await startServer('rtchat', { port: own ? PORTS.rtchatOwn : PORTS.rtchat, script: SCRIPTS.rtchat, env: rtchatEnv(db.env) });
    return {
      srv,
      ...seeded,
      dbEnv: db.env,
      shared: false,
      stopServer: () => srv.stop(),
      release: async () => {
        await srv.stop();
        await db.cleanup();
      },
    };
  } catch (err) {
    await db.cleanup();
    throw err;
  }
}

/** Stops the quick run's shared server and removes its database. */
export async function releaseShared() {
  if (!shared) return;
  await shared.srv.stop();
  await shared.db.cleanup();
  shared = null;
}

async function insertHistory(db, room, people, count) {
  const authors = people.map((p) => `'${p.userId}'::uuid`).join(',');
  for (let from = 1; from <= count; from += 250_000) {
    const to = Math.min(count, from + 250_000 - 1);
    await db.database.rows(
      db.sql.raw(`
      INSERT INTO messages (id, room_id, seq, author_id, client_msg_id, body, created_at)
      SELECT gen_random_uuid(), '${room}'::uuid, g, (ARRAY[${authors}])[1 + g % ${people.length}], 'h' || g,
             'history message number ' || g || ' with some ordinary chat text in it',
             now() - ((${count} - g) || ' seconds')::interval
      FROM generate_series(${from}, ${to}) g`),
    );
  }
  await db.database.rows(db.sql.raw(`UPDATE rooms SET last_seq = ${count} WHERE id = '${room}'`));
  // A settled table, as a live room's is (autovacuum has been through it): hint bits and the
  // visibility map set, so no measured read is the first to touch a freshly loaded page (this
  // machine's Postgres runs with autovacuum off).
  await db.database.rows(db.sql.raw('VACUUM (ANALYZE)'));
}
