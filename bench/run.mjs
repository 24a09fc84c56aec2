#!/usr/bin/env node
/**
 * `npm run bench [-- --quick] [-- --only=fanout,durable,idle,history,storm,storm10k,reactions,uploads] [-- --reps=N]`
 *
 * RtChat (the production build in dist/) side by side with its peers (plain `ws`, Socket.IO) and
 * its limit rows (a tuned broadcast server, a raw group-commit writer, the raw history query) on
 * this machine: servers pinned to one core, load generators (separate processes) to the other,
 * this run's Postgres backends to the server core (lib/cpu-watch.mjs). Each scenario is a module
 * of bench/scenarios/; lib/report.mjs decides headlines, saturation and targets.
 * Writes bench/results/latest.json (full), latest-quick.json (--quick, a smoke test) or
 * latest-only.json (--only: the same keys for what ran), each naming its `mode`.
 * Postgres when BENCH_DATABASE_URL is set (its database is dropped and recreated), else embedded.
 */
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { reactionStorm } from './reactions.mjs';
import { uploadScenario } from './uploads.mjs';
import { CFG, MODE, ONLY, QUICK, log, releaseShared, rtchatFor, started, want } from './lib/context.mjs';
import { cpuLine, watchCpu } from './lib/cpu-watch.mjs';
import { emptyFigures, figures, table } from './lib/report.mjs';
import { ROOT, distReady, machine } from './lib/setup.mjs';
import { durable } from './scenarios/durable.mjs';
import { fanout } from './scenarios/fanout.mjs';
import { history } from './scenarios/history.mjs';
import { idle } from './scenarios/idle.mjs';
import { storm, storm10k } from './scenarios/storm.mjs';

const HARD_LIMIT_MS = (QUICK ? 5 : 40) * 60_000;

async function reactions() {
  const rt = await rtchatFor('react');
  try {
    return await reactionStorm({ rt, cfg: CFG.reactions, log });
  } finally {
    await rt.release();
  }
}

async function uploads() {
  const rt = await rtchatFor('upl');
  try {
    return await uploadScenario({ rt, cfg: CFG.uploads, log });
  } finally {
    await rt.release();
  }
}

const SCENARIOS = { fanout, durable, idle, history, storm, storm10k, reactions, uploads };

/** Prints the table and writes the results file; `aborted` when the watchdog stopped the run. */
function finish(results, info, aborted = null) {
  results.durationS = Math.round((Date.now() - started) / 1000);
  if (aborted) results.aborted = aborted;
  results.figures = figures(results);
  const out = table(results);
  console.log(`\n${out}\n`);
  console.log(`(${MODE} run; median of ${CFG.reps} repetitions; spread = min-max; ${info.database}; ${results.durationS} s${aborted ? `; ABORTED: ${aborted}` : ''})`);
  const empty = emptyFigures(results);
  if (empty.length) console.log(`figures with no measurement (0 or null): ${empty.join(', ')}`);
  const failed = Object.keys(SCENARIOS).filter((n) => results[n]?.error);
  if (failed.length) console.log(`scenarios that failed: ${failed.join(', ')}`);
  results.table = out;
  const dir = path.join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, MODE === 'only' ? 'latest-only.json' : MODE === 'quick' ? 'latest-quick.json' : 'latest.json');
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  log(`wrote ${path.relative(ROOT, file)}`);
  return failed.length > 0 || (QUICK && empty.length > 0);
}

async function main() {
  const unknown = (ONLY ?? []).filter((n) => !(n in SCENARIOS));
  if (unknown.length) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  if (!distReady()) {
    log('dist/server.js is missing: running `npm run build` first');
    execSync('npm run build', { cwd: ROOT, stdio: 'inherit' });
  }
  const info = machine();
  const results = { mode: MODE, quick: QUICK, ...(ONLY ? { only: ONLY } : {}), startedAt: new Date(started).toISOString(), machine: info, cpu: {} };
  for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => process.exit(130));
  const watchdog = setTimeout(() => {
    const why = `exceeded ${HARD_LIMIT_MS / 60000} minutes`;
    console.error(`benchmark ${why}; aborting with the scenarios finished so far`);
    finish(results, info, why);
    process.exit(2);
  }, HARD_LIMIT_MS);
  watchdog.unref();

  log(`${MODE} run${QUICK ? ' (quick sizes)' : ''}, ${CFG.reps} repetitions, database ${info.database}, ${info.cores} cores (${info.cpu})`);
  for (const [name, fn] of Object.entries(SCENARIOS)) {
    if (!want(name)) continue;
    const watch = watchCpu(name);
    try {
      results[name] = await fn();
    } catch (err) {
      console.error(`scenario ${name} failed:`, err);
      results[name] = { error: String(err?.message ?? err) };
    }
    results.cpu[name] = await watch.stop();
    log(cpuLine(results.cpu[name]));
  }
  await releaseShared();
  process.exit(finish(results, info) ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
