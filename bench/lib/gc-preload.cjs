// Loaded into every benchmarked server (node --expose-gc --require): SIGUSR2 runs a full GC so
// memory is measured on live objects only, the same way for every server.
process.on('SIGUSR2', () => {
  if (typeof global.gc === 'function') global.gc();
});
