/**
 * Scenario "history": `GET /api/rooms/:id/messages?before=...&limit=50` at random keyset points of
 * a `messages`-message room, one keep-alive client, `requests` per repetition (auth and membership
 * checked on each), against the raw limit row: the route's own page query through one
 * node-postgres connection (servers/raw-history.mjs, pinned to the server core like RtChat) at the
 * same kind of points (each row its own random points: a point one row has just read would be a
 * cached page for the other). Beside them, the bare HTTP row (servers/bare-history.mjs): the same
 * query behind Node's own `http` server and nothing else, read by the same kind of client, so the
 * table shows what the HTTP hop alone adds to the raw query on this machine and what RtChat adds
 * to that. On Postgres the three take turns repetition by repetition, the one to go first rotating
 * too; on the embedded database the bare and raw rows run once RtChat's server has stopped (a data
 * directory has one process at a time).
 */
import { isDeepStrictEqual } from 'node:util';
import { CFG, PORTS, SCRIPTS, log, rtchatFor, scrapeCounters } from '../lib/context.mjs';
import { runLoadProcess } from '../lib/load-process.mjs';
import { SERVER_CPU, startServer } from '../lib/setup.mjs';
import { percentile, ratio, round, spread } from '../lib/stats.mjs';

const LIMIT = 50;
/** A repetition's p50 and p99 of its round trips (ms, two decimals). */
const tail = (lat) => ({ p50: round(percentile(lat, 50), 2), p99: round(percentile(lat, 99), 2) });

/** The server's GC counters on /metrics (prom-client's default metrics): young-generation and full collections. */
const GC = {
  scavenges: 'nodejs_gc_duration_seconds_count{kind="minor"}',
  scavengeS: 'nodejs_gc_duration_seconds_sum{kind="minor"}',
  major: 'nodejs_gc_duration_seconds_count{kind="major"}',
  majorS: 'nodejs_gc_duration_seconds_sum{kind="major"}',
};
const gcCounters = async (port) => {
  const c = await scrapeCounters(port, Object.values(GC));
  return Object.fromEntries(Object.entries(GC).map(([k, name]) => [k, c[name]]));
};
/** What the server's GC did between two readings of gcCounters, for `pages` pages. */
function gcBetween(before, after, pages) {
  const scavenges = after.scavenges - before.scavenges;
  return {
    scavenges,
    scavengeMeanMs: scavenges ? round(((after.scavengeS - before.scavengeS) * 1000) / scavenges, 2) : 0,
    pagesPerScavenge: scavenges ? round(pages / scavenges, 1) : null,
    major: after.major - before.major,
    majorMs: round((after.majorS - before.majorS) * 1000, 1),
  };
}

export async function history() {
  const c = CFG.history;
  const rt = await rtchatFor('hist', { own: true });
  const { people, roomIds, srv } = rt;
  const room = roomIds[0];
  const reader = people[1];
  const rand = () => LIMIT + 1 + Math.floor(Math.random() * (c.messages - LIMIT));
  const warm = Array.from({ length: 100 }, rand);
  const points = () => Array.from({ length: CFG.reps }, () => Array.from({ length: c.requests }, rand));
  const pointsOf = points();
  const rawPointsOf = points();
  const barePointsOf = points();
  const rtchatReps = [];
  const rawReps = [];
  const bareReps = [];
  const floorReps = [];
  const raw = async (rep) => {
    const r = await runLoadProcess('servers/raw-history.mjs', { env: rt.dbEnv, roomId: room, readerId: reader.userId, limit: LIMIT, warm, points: rawPointsOf[rep] }, 'raw history', SERVER_CPU);
    // Every point is past the first page: each query reads a full page and one more row (hasMore).
    if (r.rows !== c.requests * (LIMIT + 1)) throw new Error(`raw history read ${r.rows} rows, expected ${c.requests * (LIMIT + 1)}`);
    log(`history raw rep ${rep + 1}: p50 ${r.p50} ms p99 ${r.p99} ms`);
    rawReps.push(r);
  };
  const embedded = !rt.dbEnv.DATABASE_URL;
  const { Agent, request } = await import('node:http');
  /** One keep-alive client of one server: GET urlPath -> the round trip in ms (a 200 with its whole body). */
  const clientOf = (port) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const timed = (urlPath) =>
      new Promise((resolve, reject) => {
        const t = performance.now();
        const req = request(
          { host: '127.0.0.1', port, path: urlPath, agent, headers: { authorization: `Bearer ${reader.token}` } },
          (res) => {
            res.on('data', () => undefined);
            res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t) : reject(new Error(`${urlPath}: ${res.statusCode}`))));
          },
        );
        req.on('error', reject);
        req.end();
      });
    return { timed, close: () => agent.destroy() };
  };
  /** The bare HTTP row: its server started for `reps` repetitions, one after another. */
  const bareRow = async () => {
    const bare = await startServer('bare-history', { port: PORTS.bareHistory, script: SCRIPTS.bareHistory, env: { ...rt.dbEnv, BARE_ROOM_ID: room, BARE_READER_ID: reader.userId } });
    const { timed, close } = clientOf(bare.port);
    // It must answer the route's very bytes (the same page, mapped the same way), or it measures something else.
    const page = async (port, urlPath) => (await fetch(`http://127.0.0.1:${port}${urlPath}`, { headers: { authorization: `Bearer ${reader.token}` } })).json();
    if (!embedded) {
      const [route, own] = await Promise.all([page(srv.port, `/api/rooms/${room}/messages?before=${warm[0]}&limit=${LIMIT}`), page(bare.port, `/?before=${warm[0]}`)]);
      if (!isDeepStrictEqual(route, own)) throw new Error('the bare HTTP row no longer answers what the history route answers: update bench/servers/bare-history.mjs');
    }
    for (const before of warm) await timed(`/?before=${before}`);
    return {
      run: async (rep) => {
        const lat = [];
        for (const before of barePointsOf[rep]) lat.push(await timed(`/?before=${before}`));
        bareReps.push(tail(lat));
        log(`history bare HTTP rep ${rep + 1}: p50 ${bareReps.at(-1).p50} ms p99 ${bareReps.at(-1).p99} ms`);
      },
      stop: async () => {
        close();
        await bare.stop();
      },
    };
  };
  let bare = null;
  try {
    const { timed, close } = clientOf(srv.port);
    const get = (before) => timed(`/api/rooms/${room}/messages?before=${before}&limit=${LIMIT}`);
    // The HTTP floor: the same client and server, an authenticated request that reads no database
    // (GET /api/auth/me answers from the session cache). What any request costs here, query or not.
    const floor = async () => {
      const lat = [];
      for (let i = 0; i < c.requests; i++) lat.push(await timed('/api/auth/me'));
      floorReps.push(tail(lat));
      log(`history http floor (GET /api/auth/me): p50 ${floorReps.at(-1).p50} ms p99 ${floorReps.at(-1).p99} ms`);
    };
    for (const before of warm) await get(before);
    const rtchat = async (rep) => {
      const lat = [];
      const gcBefore = await gcCounters(srv.port);
      for (const before of pointsOf[rep]) lat.push(await get(before));
      // A young-generation GC pauses the page it lands in: how often and how long is the tail's part.
      const gc = gcBetween(gcBefore, await gcCounters(srv.port), lat.length);
      rtchatReps.push({ ...tail(lat), requests: lat.length, gc });
      log(
        `history rep ${rep + 1}: p50 ${rtchatReps.at(-1).p50} ms p99 ${rtchatReps.at(-1).p99} ms; server GC: ${gc.scavenges} scavenges ` +
          `(mean ${gc.scavengeMeanMs} ms, 1 per ${gc.pagesPerScavenge ?? '-'} pages), ${gc.major} full (${gc.majorMs} ms)`,
      );
      await floor();
    };
    if (!embedded) bare = await bareRow();
    for (let rep = 0; rep < CFG.reps; rep++) {
      const rows = embedded ? [rtchat] : [rtchat, raw, bare.run];
      for (const run of [...rows.slice(rep % rows.length), ...rows.slice(0, rep % rows.length)]) await run(rep);
    }
    close();
    if (embedded) {
      await rt.stopServer();
      bare = await bareRow();
      for (let rep = 0; rep < CFG.reps; rep++) await bare.run(rep);
      await bare.stop();
      bare = null;
      for (let rep = 0; rep < CFG.reps; rep++) await raw(rep);
    }
  } finally {
    await bare?.stop();
    await rt.release();
  }
  const p99 = spread(rtchatReps.map((r) => r.p99));
  const rawP99 = spread(rawReps.map((r) => r.p99));
  const bareP99 = spread(bareReps.map((r) => r.p99));
  return {
    messages: c.messages,
    p50Ms: spread(rtchatReps.map((r) => r.p50)).median,
    p99Ms: p99.median,
    rawP50Ms: spread(rawReps.map((r) => r.p50)).median,
    rawP99Ms: rawP99.median,
    ratioVsRaw: ratio(p99.median, rawP99.median),
    bareP50Ms: spread(bareReps.map((r) => r.p50)).median,
    bareP99Ms: bareP99.median,
    bareRatioVsRaw: ratio(bareP99.median, rawP99.median),
    ratioVsBare: ratio(p99.median, bareP99.median),
    httpFloorP50Ms: spread(floorReps.map((r) => r.p50)).median,
    httpFloorP99Ms: spread(floorReps.map((r) => r.p99)).median,
    spread: { p50: spread(rtchatReps.map((r) => r.p50)), p99, rawP99, bareP99 },
    runs: { rtchat: rtchatReps, raw: rawReps, bare: bareReps },
  };
}
