/**
 * Scenario "idle": `conns` authenticated, subscribed, idle sockets (plain sockets for `ws` and
 * Socket.IO); server RSS growth per socket after a full GC, against the plain `ws` baseline.
 * The growth of V8's young generation is taken out of each server's RSS growth: it grows to its
 * cap under the first burst of allocation and stays there, a fixed cost of any busy process, not a
 * per-socket one (RtChat's start-up has already grown it before the "before" reading; a bare `ws`
 * server grows it ~25 MB while its 10,000 sockets connect, which counted as 2.5 KB per socket).
 * Beside it, each server's live JS heap per socket (V8's used bytes after a full GC), which
 * depends on nothing but what the server keeps per socket.
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
    const heapBefore = await srv.heap();
    return await withGenerators(c.gens, async (gens) => {
      await initAll(gens, server, srv.port, split(specs, gens.length), 'i');
      await sleep(c.settleMs);
      await srv.gc();
      const after = srv.rssKb();
      const heapAfter = await srv.heap();
      const youngGrowthKb = (heapAfter.youngCommittedBytes - heapBefore.youngCommittedBytes) / 1024;
      const kb = (after - before - youngGrowthKb) / c.conns;
      const heapKb = (heapAfter.usedBytes - heapBefore.usedBytes) / 1024 / c.conns;
      // Old-generation pages the full GC left partly empty (committed, so in RSS, but not in use).
      const oldFree = (h) => h.oldCommittedBytes - h.oldUsedBytes;
      const oldFreeKb = (oldFree(heapAfter) - oldFree(heapBefore)) / 1024 / c.conns;
      log(
        `idle ${server}: ${c.conns} sockets, RSS ${before} -> ${after} KB, young generation ${youngGrowthKb >= 0 ? '+' : ''}${Math.round(youngGrowthKb)} KB: ` +
          `${kb.toFixed(2)} KB each (JS heap ${heapKb.toFixed(2)} KB each, old-generation pages left free ${oldFreeKb.toFixed(2)} KB each)`,
      );
      return {
        rssBeforeKb: before,
        rssAfterKb: after,
        youngGrowthKb: Math.round(youngGrowthKb),
        kbPerConnection: round(kb, 2),
        heapKbPerConnection: round(heapKb, 2),
        oldFreeKbPerConnection: round(oldFreeKb, 2),
      };
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
  const h = (k) => spread(out[k].map((r) => r.heapKbPerConnection));
  const f = (k) => spread(out[k].map((r) => r.oldFreeKbPerConnection));
  return {
    connections: CFG.idle.conns,
    kbPerConnection: s('rtchat').median,
    baselineKbPerConnection: s('ws').median,
    socketioKbPerConnection: s('sio').median,
    ratioVsBaseline: ratio(s('rtchat').median, s('ws').median),
    heapKbPerConnection: h('rtchat').median,
    baselineHeapKbPerConnection: h('ws').median,
    socketioHeapKbPerConnection: h('sio').median,
    heapRatioVsBaseline: ratio(h('rtchat').median, h('ws').median),
    oldFreeKbPerConnection: f('rtchat').median,
    baselineOldFreeKbPerConnection: f('ws').median,
    spread: { rtchat: s('rtchat'), baseline: s('ws'), socketio: s('sio'), heap: { rtchat: h('rtchat'), baseline: h('ws'), socketio: h('sio') } },
    runs: out,
  };
}
