// Loaded into every benchmarked server (node --expose-gc --require):
// - SIGUSR2 runs a full GC so memory is measured on live objects only, the same way for every server;
// - the IPC message {cmd: 'heap'} is answered with {heap: {...}}: the V8 heap's used bytes and the
//   young generation's committed bytes. The young generation grows to its cap (two semi-spaces)
//   under the first allocation burst and then stays: a fixed cost, not a per-socket one, which the
//   idle scenario takes out of each server's RSS growth (a server that had already grown it before
//   the "before" reading, as RtChat has after its start-up, would otherwise look cheaper per socket),
//   and the old generation's used and committed bytes (what a full GC left free in its pages);
// - BENCH_GC_LOG=path: every GC (kind, duration) and every event-loop stall over 15 ms, one line
//   each with the pid and epoch milliseconds, appended to that file (diagnosing latency tails).
const v8 = require('node:v8');

process.on('SIGUSR2', () => {
  if (typeof global.gc === 'function') global.gc();
});

if (process.send) {
  process.on('message', (m) => {
    if (m?.cmd !== 'heap') return;
    const spaces = v8.getHeapSpaceStatistics();
    const young = spaces.find((s) => s.space_name === 'new_space');
    const old = spaces.find((s) => s.space_name === 'old_space');
    process.send({
      heap: {
        usedBytes: v8.getHeapStatistics().used_heap_size,
        youngCommittedBytes: young?.physical_space_size ?? 0,
        oldUsedBytes: old?.space_used_size ?? 0,
        oldCommittedBytes: old?.physical_space_size ?? 0,
      },
    });
  });
  // The channel must not keep a server alive once it is told to stop.
  process.channel?.unref();
}

if (process.env.BENCH_GC_LOG) {
  const fs = require('node:fs');
  const { PerformanceObserver, performance } = require('node:perf_hooks');
  const out = fs.openSync(process.env.BENCH_GC_LOG, 'a');
  const line = (what, at = performance.now()) => fs.writeSync(out, `${process.pid} ${Math.round(performance.timeOrigin + at)} ${what}\n`);
  const KINDS = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) line(`gc ${KINDS[e.detail?.kind] ?? e.detail?.kind} ${e.duration.toFixed(1)} ms`, e.startTime);
  }).observe({ entryTypes: ['gc'] });
  const TICK_MS = 5;
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    if (now - last > TICK_MS + 15) line(`stall ${(now - last - TICK_MS).toFixed(1)} ms`);
    last = now;
  }, TICK_MS).unref();
}
