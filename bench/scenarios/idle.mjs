/**
 * Scenario "idle": `conns` authenticated, subscribed, idle sockets (plain sockets for `ws` and
 * Socket.IO); server RSS growth per socket after a full GC, against the plain `ws` baseline.
 */
import { CFG, initAll, log, rtchatFor, split, withGenerators, PORTS, SCRIPTS } from '../lib/context.mjs';
import { sleep, startServer } from '../lib/setup.mjs';
import { ratio, round, spread } from '../lib/stats.mjs';

async function idleOne(server) {
  const c = CFG.idle;
  let specs;
  let srv;
  try {
    if (server === 'rtchat') {
      const rt = await rtchatFor('idle');
      srv = { ...rt.srv, stop: rt.release };
      specs = rt.people.map((p) => ({ token: p.token, roomId: p.roomId, role: 'recv' }));
    } else {
      srv = await startServer(server, { port: PORTS[server], script: SCRIPTS[server] });
      specs = Array.from({ length: c.conns }, () => ({ role: 'recv' }));
    }
    await sleep(c.settleMs / 2);
    await srv.gc();
    const before = srv.rssKb();
    return await withGenerators(c.gens, async (gens) => {
      await initAll(gens, server, srv.port, split(specs, gens.length), 'i');
      await sleep(c.settleMs);
      await srv.gc();
      const after = srv.rssKb();
      const kb = (after - before) / c.conns;
      log(`idle ${server}: ${c.conns} sockets, RSS ${before} -> ${after} KB: ${kb.toFixed(2)} KB each`);
      return { rssBeforeKb: before, rssAfterKb: after, kbPerConnection: round(kb, 2) };
    });
  } finally {
    await srv?.stop();
  }
}

export async function idle() {
  const out = { rtchat: [], ws: [], sio: [] };
  for (let rep = 0; rep < (CFG.idle.reps ?? CFG.reps); rep++) {
    for (const server of Object.keys(out)) out[server].push(await idleOne(server));
  }
  const s = (k) => spread(out[k].map((r) => r.kbPerConnection));
  return {
    connections: CFG.idle.conns,
    kbPerConnection: s('rtchat').median,
    baselineKbPerConnection: s('ws').median,
    socketioKbPerConnection: s('sio').median,
    ratioVsBaseline: ratio(s('rtchat').median, s('ws').median),
    spread: { rtchat: s('rtchat'), baseline: s('ws'), socketio: s('sio') },
    runs: out,
  };
}
