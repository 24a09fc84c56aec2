/**
 * The server and the CLI scripts as real processes (run from the sources with tsx, so a test never
 * meets a stale build): start on a free port, wait until ready, read what they printed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPostgresDatabase, sleep, usePostgres } from './helpers.js';

export const ROOT = path.resolve(import.meta.dirname, '..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  port: number;
  exited: Promise<number | null>;
  /** Everything written to stdout and stderr so far. */
  output(): string;
}

/** Starts `src/server.ts` with the env on a free port and resolves once /readyz answers 200. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited: ${output}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) return { child, url, port, exited, output: () => output };
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`server did not start: ${output}`);
    await sleep(100);
  }
}

export interface ScriptResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a TypeScript entry point (e.g. src/seed.ts) to its end. */
export function runScript(script: string, env: Record<string, string>): Promise<ScriptResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * The environment of a server process under test: its own DATA_DIR, warn-level logs, and on the
 * Postgres project its own database (`drop` removes it); `withRedis` adds TEST_REDIS_URL if set.
 */
export async function serverProcessEnv(
  name: string,
  extra: Record<string, string>,
  opts: { withRedis?: boolean } = {},
): Promise<{ env: Record<string, string>; drop: (() => Promise<void>) | null }> {
  const env: Record<string, string> = { LOG_LEVEL: 'warn', DATA_DIR: mkdtempSync(path.join(tmpdir(), `rtchat-${name}-`)), ...extra };
  if (!usePostgres) return { env, drop: null };
  const db = await createPostgresDatabase();
  env.DATABASE_URL = db.url;
  if (opts.withRedis && process.env.TEST_REDIS_URL) {
    Object.assign(env, { REDIS_URL: process.env.TEST_REDIS_URL, REDIS_PREFIX: `rtchat-test-${name}-${process.pid}:` });
  }
  return { env, drop: db.drop };
}
