// Loaded into every benchmarked server (node --expose-gc --require):
// - SIGUSR2 runs a full GC so memory is measured on live objects only, the same way for every server;
// - the IPC message {cmd: 'heap'} is answered with {heap: {...}}: the V8 heap's used bytes and the
//   young generation's committed bytes. The young generation grows to its cap (two semi-spaces)
//   under the first allocation burst and then stays: a fixed cost, not a per-socket one, which the
//   idle scenario takes out of each server's RSS growth (a server that had already grown it before
//   the "before" reading, as RtChat has after its start-up, would otherwise look cheaper per socket).
const v8 = require('node:v8');

process.on('SIGUSR2', () => {
  if (typeof global.gc === 'function') global.gc();
});

if (process.send) {
  process.on('message', (m) => {
    if (m?.cmd !== 'heap') return;
    const spaces = v8.getHeapSpaceStatistics();
    const young = spaces.find((s) => s.space_name === 'new_space');
    process.send({ heap: { usedBytes: v8.getHeapStatistics().used_heap_size, youngCommittedBytes: young?.physical_space_size ?? 0 } });
  });
  // The channel must not keep a server alive once it is told to stop.
  process.channel?.unref();
}
