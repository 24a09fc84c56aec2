/**
 * Scenarios "storm" (2,000 clients) and "storm10k" (10,000): subscribers over a few rooms, with
 * traffic going on, drop at once and resume with `sinceSeq`. catchUpMs: until the last one has
 * everything up to the `lastSeq` of its `subscribed`; then every client's stream is checked for
 * gaps (lost) and repeats (duplicated) up to each room's last acked seq. coldConnectMs: how long the
 * first repetition's subscribers took to connect and subscribe to a fresh server (sessions not cached).
 */
import { CFG, QUICK, initAll, log, rtchatFor, split, withGenerators } from '../lib/context.mjs';
import { sleep } from '../lib/setup.mjs';
import { spread } from '../lib/stats.mjs';

async function stormOf(tag, c) {
  const rt = await rtchatFor(tag);
  const { srv, people, roomIds } = rt;
  // Waits scale with the crowd: 10,000 upgrades each verifying a token take seconds.
  const waitMs = Math.max(20_000, c.subs * 6);
  try {
    const reps = [];
    for (let rep = 0; rep < CFG.reps; rep++) {
      const r = await withGenerators(c.gens, async (gens) => {
        // Senders (one per room) live in generator 0; subscribers are spread over all.
        const senders = people.slice(0, c.rooms).map((p, i) => ({ token: p.token, userId: p.userId, roomId: roomIds[i], role: 'send' }));
        const subs = people.slice(c.rooms).map((p) => ({ token: p.token, userId: p.userId, roomId: p.roomId, role: 'sub' }));
        const parts = split(subs, gens.length);
        parts[0].push(...senders);
        const connectT0 = Date.now();
        await initAll(gens, 'rtchat', srv.port, parts, `${tag}${rep}r`);
        const connectMs = Date.now() - connectT0;
        const total = c.beforeMs + c.catchUpMs + c.afterMs;
        const traffic = gens[0].ask({ cmd: 'run', rate: c.rate, ms: total, warmMs: 0, trackSeq: true }, total + 30_000);
        await sleep(c.beforeMs);
        srv.cpuMs();
        const dropT0 = Date.now();
        const dropped = await Promise.all(gens.map((g) => g.ask({ cmd: 'drop' }, waitMs * 3)));
        const droppedAt = Math.min(...dropped.map((d) => d.droppedAt));
        const failedReconnects = dropped.reduce((a, d) => a + d.failed, 0);
        const caught = await Promise.all(gens.map((g) => g.ask({ cmd: 'caughtUp', timeoutMs: waitMs }, waitMs + 10_000)));
        const catchUpMs = Math.max(...caught.map((x) => x.latest)) - droppedAt;
        const serverCpuPct = Math.round((srv.cpuMs() / (Date.now() - dropT0)) * 100);
        const pending = caught.reduce((a, x) => a + x.pending, 0);
        await traffic; // traffic keeps going for a while after everyone is back
        const { finals } = await gens[0].ask({ cmd: 'finals' });
        const settled = await Promise.all(gens.map((g) => g.ask({ cmd: 'settle', finals, timeoutMs: 15_000 }, 30_000)));
        const result = {
          subscribers: subs.length,
          connectMs,
          catchUpMs: Number.isFinite(catchUpMs) ? Math.round(catchUpMs) : null,
          notCaughtUp: pending,
          failedReconnects,
          serverCpuPct,
          genCpuPct: Math.round((dropped.reduce((a, d) => a + d.cpuMs, 0) / Math.max(1, Math.max(...dropped.map((d) => d.reconnectedAt)) - droppedAt)) * 100),
          reconnectMs: Math.round(Math.max(...dropped.map((d) => d.reconnectedAt ?? 0)) - droppedAt),
          lost: settled.reduce((a, s) => a + s.lost, 0),
          duplicated: settled.reduce((a, s) => a + s.dups, 0),
          unrecovered: settled.reduce((a, s) => a + s.unrecovered, 0),
          messagesSent: Object.values(finals).reduce((a, b) => a + b, 0),
        };
        log(`${tag} rep ${rep + 1}: ${subs.length} connected in ${connectMs} ms, reconnected in ${result.reconnectMs} ms (server cpu ${result.serverCpuPct}%, generators ${result.genCpuPct}%), caught up in ${result.catchUpMs} ms, lost ${result.lost}, duplicated ${result.duplicated}, not caught up ${pending}`);
        return result;
      });
      reps.push(r);
      await sleep(QUICK ? 300 : 1500);
    }
    return {
      clients: c.subs,
      // The first repetition's clients connect to a server that has seen none of their sessions yet
      // (as after a restart); later ones find them cached. Quick runs share a warm server.
      coldConnectMs: rt.shared ? null : reps[0]?.connectMs ?? null,
      catchUpMs: spread(reps.map((r) => r.catchUpMs ?? Infinity)).median,
      lost: reps.reduce((a, r) => a + r.lost, 0),
      duplicated: reps.reduce((a, r) => a + r.duplicated, 0),
      notCaughtUp: reps.reduce((a, r) => a + r.notCaughtUp, 0),
      spread: { catchUpMs: spread(reps.map((r) => r.catchUpMs)) },
      config: c,
      runs: reps,
    };
  } finally {
    await rt.release();
  }
}

export const storm = () => stormOf('storm', CFG.storm);
export const storm10k = () => stormOf('s10k', CFG.storm10k);
