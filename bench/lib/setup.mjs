/**
 * Benchmark plumbing: databases (a throw-away Postgres database or an embedded PGlite directory),
 * seeding users, sessions and rooms straight into RtChat's own schema, minting session tokens,
 * starting pinned server and generator processes, and the statistics.
 */
import { spawn, execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SESSION_SECRET = 'bench-secret-bench-secret-bench-secret-0123456789';
const GC_PRELOAD = path.join(ROOT, 'bench/lib/gc-preload.cjs');
const HAS_TASKSET = (() => {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return os.cpus().length > 1;
  } catch {
    return false;
  }
})();
export { HAS_TASKSET };
// BENCH_SERVER_CPU / BENCH_GEN_CPU (taskset lists, e.g. "1" or "0,1") move the two sides, e.g. off
// a core that other benchmark runs on the same machine already pin their servers to.
export const SERVER_CPU = process.env.BENCH_SERVER_CPU?.trim() || '0';
export const GEN_CPU = process.env.BENCH_GEN_CPU?.trim() || (os.cpus().length > 1 ? '1' : '0');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------- tokens ----------
const b64u = (s) => Buffer.from(s).toString('base64url');
/** An HS256 JWT `{sid}` like the server's own (src/plugins/auth.ts). */
export function tokenFor(sid) {
  const head = b64u(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64u(JSON.stringify({ sid, iat: Math.floor(Date.now() / 1000) }));
  const sig = createHmac('sha256', SESSION_SECRET).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

// ---------- databases ----------
export function benchDatabaseUrl() {
  const raw = process.env.BENCH_DATABASE_URL?.trim();
  if (!raw) return null;
  const url = new URL(raw);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    throw new Error(`BENCH_DATABASE_URL must point at this machine (127.0.0.1), got ${url.hostname}`);
  }
  const name = url.pathname.slice(1);
  if (!/^[a-z0-9_]*bench[a-z0-9_]*$/.test(name)) {
    throw new Error(`BENCH_DATABASE_URL's database is dropped and recreated each run, so its name must contain "bench" (got "${name}")`);
  }
  return url;
}

/**
 * A fresh, migrated, empty database for one scenario. Returns what the server needs
 * ({DATABASE_URL} or {DATA_DIR}) and an open handle for seeding (closed by `release`).
 */
/**
 * Postgres: a CHECKPOINT before every server's fan-out repetition. A checkpoint spread over minutes
 * (checkpoint_timeout) can make commits stall while it writes, and every RtChat delivery waits for
 * its commit. In the 2026-12-01 full run a timed checkpoint was writing (14:36:00-14:40:30) during
 * the two RtChat repetitions whose light steps failed (p99 0.46-0.48 s at 20-40k deliveries/s), not
 * during the one that passed 450k; with this, the next run's three passed 130k, 300k and 375k.
 * Not before the durable rows: right after a checkpoint every first change of a page writes a full
 * page image to the WAL, which slows exactly the commits those rows measure. (That run's durable
 * repetitions, checkpointed, were all slower, the raw writer's as much as RtChat's; so was the raw
 * history query, which writes nothing, so the database was slower that run anyway: not separated.)
 */
export async function checkpoint() {
  const url = benchDatabaseUrl();
  if (!url) return;
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const c = new pg.Client({ connectionString: admin.toString() });
  await c.connect();
  try {
    await c.query('CHECKPOINT');
  } finally {
    await c.end();
  }
}

export async function freshDatabase(suffix = '') {
  const { openDatabase, sql } = await import(path.join(ROOT, 'dist/db/client.js'));
  const url = benchDatabaseUrl();
  if (url) {
    const name = url.pathname.slice(1) + suffix;
    url.pathname = `/${name}`;
    const admin = new URL(url);
    admin.pathname = '/postgres';
    const c = new pg.Client({ connectionString: admin.toString() });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name}`);
    await c.end();
    // Seeding runs statements far longer than a request may (DB_TIMEOUT_MS bounds the server's).
    const database = await openDatabase({ databaseUrl: url.toString(), dataDir: null, poolSize: 4, timeoutMs: 600_000 });
    return {
      kind: 'postgres',
      env: { DATABASE_URL: url.toString() },
      database,
      sql,
      release: () => database.close(),
      cleanup: async () => undefined,
    };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rtchat-bench-'));
  const database = await openDatabase({ databaseUrl: null, dataDir: dir });
  return {
    kind: 'embedded',
    env: { DATA_DIR: dir },
    database,
    sql,
    release: () => database.close(),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Seeds `users` users with a live session each and `rooms` public rooms; user i joins room
 * i % rooms (plus `extraMembers(i)` rooms). Returns [{userId, sid, token, roomId}], rooms[].
 */
export async function seed(db, { users, rooms, tag }) {
  const q = async (text) => db.database.rows(db.sql.raw(text));
  const people = await q(`
    WITH u AS (
      INSERT INTO users (username, password_hash)
      SELECT '${tag}_' || g, 'bench-only-no-login' FROM generate_series(1, ${users}) g
      RETURNING id, username
    )
    INSERT INTO sessions (user_id, expires_at)
    SELECT id, now() + interval '30 days' FROM u
    RETURNING id AS sid, user_id`);
  const owner = people[0].user_id;
  const roomRows = await q(`
    INSERT INTO rooms (name, invite_code, owner_id, member_count)
    SELECT '${tag} room ' || g, md5(random()::text || g), '${owner}', 0 FROM generate_series(1, ${rooms}) g
    RETURNING id`);
  const roomIds = roomRows.map((r) => r.id);
  const out = people.map((p, i) => ({ userId: p.user_id, sid: p.sid, token: tokenFor(p.sid), roomId: roomIds[i % roomIds.length] }));
  for (let i = 0; i < out.length; i += 2000) {
    const values = out
      .slice(i, i + 2000)
      .map((p) => `('${p.roomId}'::uuid, '${p.userId}'::uuid, '${p.userId === owner ? 'owner' : 'member'}')`)
      .join(',');
    await q(`INSERT INTO room_members (room_id, user_id, role) VALUES ${values}`);
  }
  // The owner belongs to every room.
  await q(`INSERT INTO room_members (room_id, user_id, role) SELECT id, '${owner}', 'owner' FROM rooms ON CONFLICT DO NOTHING`);
  await q(`UPDATE rooms r SET member_count = (SELECT count(*) FROM room_members m WHERE m.room_id = r.id)`);
  return { people: out, roomIds };
}

// ---------- processes ----------
export function pinned(cpu, args) {
  return HAS_TASKSET ? ['taskset', ['-c', cpu, ...args]] : [args[0], args.slice(1)];
}

/** Every process this benchmark started, killed on the way out whatever happens. */
const children = new Set();
/** pid -> {role, cpu}: what each live child is and the core it was pinned to (for the CPU report). */
export const tracked = new Map();
/** Registers a started child under `role` until it exits. */
export function track(proc, role, cpu) {
  children.add(proc);
  tracked.set(proc.pid, { role, cpu: HAS_TASKSET ? cpu : 'any' });
  proc.once('exit', () => {
    children.delete(proc);
    tracked.delete(proc.pid);
  });
}
export function killChildren() {
  for (const p of children) if (p.exitCode === null) p.kill('SIGKILL');
}
process.on('exit', killChildren);

function portBusy(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Starts one server process pinned to the server core; resolves when it answers. */
export async function startServer(name, { port, env = {}, script }) {
  if (await portBusy(port)) throw new Error(`port ${port} is already in use (a leftover server?); free it and run again`);
  // BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") goes to RtChat's node.
  const extra = name === 'rtchat' ? (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean) : [];
  const args = [process.execPath, '--expose-gc', '--require', GC_PRELOAD, ...extra, script];
  const [cmd, argv] = pinned(SERVER_CPU, args);
  const proc = spawn(cmd, argv, {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production', PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  track(proc, `server ${name}:${port}`, SERVER_CPU);
  let stderr = '';
  proc.stderr.on('data', (d) => {
    stderr += d;
    if (stderr.length > 20000) stderr = stderr.slice(-10000);
  });
  const listening = new Promise((resolve) => proc.on('message', (m) => m?.listening && resolve(true)));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (name !== 'rtchat' && (await Promise.race([listening, sleep(100)]))) break;
    if (proc.exitCode !== null) throw new Error(`${name} exited (${proc.exitCode}): ${stderr.slice(-2000)}`);
    if (name === 'rtchat') {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        if (res.ok) break;
      } catch {
        /* not yet */
      }
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`${name} did not start: ${stderr.slice(-2000)}`);
    }
    await sleep(100);
  }
  let lastCpu = cpuTicks(proc.pid);
  return {
    name,
    port,
    pid: proc.pid,
    proc,
    rssKb: () => rssKb(proc.pid),
    gc: async () => {
      proc.kill('SIGUSR2');
      await sleep(300);
      proc.kill('SIGUSR2');
      await sleep(300);
    },
    /** The server's V8 heap (bench/lib/gc-preload.cjs): {usedBytes, youngCommittedBytes}. */
    heap: () =>
      new Promise((resolve, reject) => {
        const onMessage = (m) => {
          if (!m?.heap) return;
          clearTimeout(t);
          proc.off('message', onMessage);
          resolve(m.heap);
        };
        const t = setTimeout(() => {
          proc.off('message', onMessage);
          reject(new Error(`${name} did not report its heap`));
        }, 5000);
        proc.on('message', onMessage);
        proc.send({ cmd: 'heap' });
      }),
    /** CPU time used since the last call (ms). */
    cpuMs: () => {
      const t = cpuTicks(proc.pid);
      const d = t - lastCpu;
      lastCpu = t;
      return d;
    },
    stop: async () => {
      if (proc.exitCode !== null) return;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await new Promise((r) => proc.once('exit', r));
      clearTimeout(t);
    },
  };
}

function rssKb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
}

const CLK_TCK = 100;
function cpuTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** A generator process on the generator core; `ask` sends a command and awaits one reply. */
export function startGenerator(index) {
  const [cmd, argv] = pinned(GEN_CPU, [process.execPath, path.join(ROOT, 'bench/gen.mjs')]);
  const proc = spawn(cmd, argv, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  track(proc, `generator ${index}`, GEN_CPU);
  const waiting = new Map();
  let nextId = 1;
  proc.on('message', (msg) => {
    const w = waiting.get(msg.id);
    if (!w) return;
    waiting.delete(msg.id);
    if (msg.type === 'error') w.reject(new Error(`generator ${index}: ${msg.error}`));
    else w.resolve(msg);
  });
  proc.on('exit', (code) => {
    for (const w of waiting.values()) w.reject(new Error(`generator ${index} exited (${code})`));
    waiting.clear();
  });
  return {
    index,
    /** 127.0.0.2, .3, ...: each generator its own source address, so ephemeral ports never run short. */
    localAddress: `127.0.0.${2 + ((index + Math.floor(Math.random() * 50) * 4) % 250)}`,
    ask: (msg, timeoutMs = 120_000) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        const t = setTimeout(() => reject(new Error(`generator ${index}: no answer to ${msg.cmd}`)), timeoutMs);
        waiting.set(id, {
          resolve: (v) => {
            clearTimeout(t);
            resolve(v);
          },
          reject: (e) => {
            clearTimeout(t);
            reject(e);
          },
        });
        proc.send({ ...msg, id });
      }),
    stop: async () => {
      if (proc.exitCode !== null) return;
      try {
        proc.send({ cmd: 'stop' });
      } catch {
        /* gone */
      }
      const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await new Promise((r) => proc.once('exit', r));
      clearTimeout(t);
    },
  };
}

// ---------- statistics ----------
export { median, percentile, spread } from './stats.mjs';

export function machine() {
  const cpus = os.cpus();
  let pgVersion = null;
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    pinned: HAS_TASKSET ? { server: `cpu ${SERVER_CPU}`, generators: `cpu ${GEN_CPU}` } : null,
    database: benchDatabaseUrl() ? 'postgres' : 'embedded (PGlite)',
    pgVersion,
    openFileLimit: (() => {
      try {
        return Number(execFileSync('sh', ['-c', 'ulimit -n']).toString().trim());
      } catch {
        return null;
      }
    })(),
  };
}

export function distReady() {
  return existsSync(path.join(ROOT, 'dist/server.js'));
}
