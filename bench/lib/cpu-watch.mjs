/**
 * Where each process ran and how busy each core was, per scenario: /proc/stat deltas per core and
 * /proc/<pid>/stat CPU time of every process this benchmark started (by role), of this run's own
 * Postgres backends, of the cluster's other Postgres processes (the cluster is shared), and the
 * rest of the machine (other users' work on the same cores).
 *
 * Pinning Postgres: the cluster is not ours to move, but the backends serving this run's databases
 * are found every second (pg_stat_activity, datname of BENCH_DATABASE_URL and its suffixes) and
 * pinned with `taskset -p` to the cores neither the servers nor the generators use, when the
 * machine has such a core (BENCH_PIN_POSTGRES=auto, the default). On a 2-core machine it has none:
 * they are then left where the scheduler puts them, and the report says so. On the server core
 * (BENCH_PIN_POSTGRES=server, this benchmark's default until 2026-12-02) every backend woken by a
 * query preempts the server inside that query's write: 28% of RtChat's sampled time in a storm run
 * sat in `writev` to Postgres, and the storm took 3.2-4.3 s pinned against 1.4-3.0 s unpinned
 * (README, Performance). BENCH_PIN_POSTGRES=off never pins. The cluster's own processes (WAL
 * writer, checkpointer...) stay unpinned and are reported.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import pg from 'pg';
import { GEN_CPU, HAS_TASKSET, SERVER_CPU, benchDatabaseUrl, tracked } from './setup.mjs';

const CLK_TCK = 100;
const SAMPLE_MS = 1000;

function coreTimes() {
  const out = [];
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const m = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const f = m[2].split(/\s+/).map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    out[Number(m[1])] = { total, idle: f[3] + f[4] };
  }
  return out;
}

/** [cpu ticks (ms), last core it ran on] of a process, or null once it is gone. */
function procTimes(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ms: ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK, ranOn: Number(f[36]) };
  } catch {
    return null;
  }
}

function allowedCpus(pid) {
  try {
    return /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '?';
  } catch {
    return '?';
  }
}

function postgresPids() {
  const out = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/comm`, 'utf8').trim() === 'postgres') out.push(Number(name));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** The cores of a taskset list ("0", "0,2", "1-3"). */
export function cpuList(list) {
  const out = new Set();
  for (const part of String(list).split(',')) {
    const [a, b = a] = part.trim().split('-').map(Number);
    if (Number.isInteger(a) && Number.isInteger(b)) for (let i = a; i <= b; i++) out.add(i);
  }
  return out;
}

/** Where this run's Postgres backends go: {on, cpus, why}. */
export function pinMode({ mode = process.env.BENCH_PIN_POSTGRES, cores = os.cpus().length, database = Boolean(benchDatabaseUrl()), taskset = HAS_TASKSET } = {}) {
  if (!database) return { on: false, why: 'embedded database (inside the server process)' };
  if (!taskset) return { on: false, why: 'no taskset or a single core' };
  const m = (mode ?? 'auto').toLowerCase();
  if (m === 'off') return { on: false, why: 'not pinned (BENCH_PIN_POSTGRES=off)' };
  if (m === 'server') return { on: true, cpus: SERVER_CPU, why: `this run's backends pinned to the server core, cpu ${SERVER_CPU} (BENCH_PIN_POSTGRES=server)` };
  const taken = new Set([...cpuList(SERVER_CPU), ...cpuList(GEN_CPU)]);
  const spare = Array.from({ length: cores }, (_, i) => i).filter((i) => !taken.has(i));
  if (spare.length) return { on: true, cpus: spare.join(','), why: `this run's backends pinned to cpu ${spare.join(',')}, away from the server and the generators` };
  return { on: false, why: `not pinned: no core of their own on ${cores} cores (BENCH_PIN_POSTGRES=server pins them to the server core)` };
}

/** Starts watching; `stop()` resolves the scenario's CPU report. */
export function watchCpu(scenario) {
  const pin = pinMode();
  const t0 = Date.now();
  const cores0 = coreTimes();
  /** pid -> {role, first, last, ranOn:Set, allowed} */
  const seen = new Map();
  const ours = new Set();
  const pinned = new Set();
  let admin = null;
  let busy = false;

  const sample = async (initial) => {
    const roles = new Map([...tracked].map(([pid, t]) => [pid, `${t.role.replace(/ \d+$/, '')} (pinned to cpu ${t.cpu})`]));
    for (const pid of postgresPids()) if (!roles.has(pid)) roles.set(pid, ours.has(pid) ? "postgres: this run's backends" : 'postgres: rest of the cluster');
    for (const [pid, role] of roles) {
      const t = procTimes(pid);
      if (!t) continue;
      const s = seen.get(pid);
      if (s) {
        s.last = t.ms;
        s.role = role;
        s.ranOn.add(t.ranOn);
      } else seen.set(pid, { role, first: initial ? t.ms : 0, last: t.ms, ranOn: new Set([t.ranOn]), allowed: allowedCpus(pid) });
    }
  };

  const findOurBackends = async () => {
    const url = benchDatabaseUrl();
    if (!url || busy) return;
    busy = true;
    try {
      if (!admin) {
        const a = new URL(url);
        const base = a.pathname.slice(1);
        a.pathname = '/postgres';
        admin = { client: new pg.Client({ connectionString: a.toString() }), base };
        await admin.client.connect();
      }
      const { rows } = await admin.client.query('SELECT pid FROM pg_stat_activity WHERE datname LIKE $1', [`${admin.base}%`]);
      for (const { pid } of rows) {
        ours.add(pid);
        if (pin.on && !pinned.has(pid)) {
          pinned.add(pid);
          execFile('taskset', ['-pc', pin.cpus, String(pid)], () => undefined);
        }
        const s = seen.get(pid);
        if (s) {
          s.role = "postgres: this run's backends";
          s.allowed = pin.on ? pin.cpus : s.allowed;
        }
      }
    } catch {
      /* the report says what it saw */
    } finally {
      busy = false;
    }
  };

  void findOurBackends().then(() => sample(true));
  const timer = setInterval(() => void findOurBackends().then(() => sample(false)), SAMPLE_MS);
  timer.unref();

  return {
    async stop() {
      clearInterval(timer);
      await findOurBackends();
      await sample(false);
      await admin?.client.end().catch(() => undefined);
      const wallMs = Date.now() - t0;
      const cores1 = coreTimes();
      const cores = cores1.map((c, i) => {
        const d = c.total - (cores0[i]?.total ?? 0);
        const idle = c.idle - (cores0[i]?.idle ?? 0);
        return { cpu: i, busyPct: d > 0 ? Math.round(((d - idle) / d) * 100) : 0 };
      });
      const groups = new Map();
      for (const [, s] of seen) {
        const g = groups.get(s.role) ?? { role: s.role, processes: 0, cpuMs: 0, ranOn: new Set(), allowed: new Set() };
        g.processes++;
        g.cpuMs += Math.max(0, s.last - s.first);
        for (const c of s.ranOn) g.ranOn.add(c);
        g.allowed.add(s.allowed);
        groups.set(s.role, g);
      }
      const processes = [...groups.values()].map((g) => ({
        role: g.role,
        processes: g.processes,
        cpuPct: Math.round((g.cpuMs / wallMs) * 100),
        allowedCpus: [...g.allowed].join(' '),
        lastRanOn: [...g.ranOn].sort().join(','),
      }));
      const busyCorePct = cores.reduce((a, c) => a + c.busyPct, 0);
      const known = processes.reduce((a, p) => a + p.cpuPct, 0);
      const report = { scenario, wallS: Math.round(wallMs / 1000), cores, processes, restOfMachinePct: Math.max(0, busyCorePct - known), postgresPinning: pin.why, coresTotal: os.cpus().length };
      return report;
    },
  };
}

/** One line per scenario for the log. */
export function cpuLine(r) {
  const cores = r.cores.map((c) => `cpu${c.cpu} ${c.busyPct}%`).join(', ');
  const procs = r.processes
    .filter((p) => p.cpuPct > 0 || !p.role.startsWith('postgres: rest'))
    .map((p) => `${p.role} ${p.cpuPct}% (${p.processes} proc, ran on ${p.lastRanOn})`)
    .join('; ');
  return `cpu during ${r.scenario} (${r.wallS} s): ${cores} busy; ${procs}; rest of the machine ${r.restOfMachinePct}% (postgres: ${r.postgresPinning})`;
}
