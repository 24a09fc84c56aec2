#!/usr/bin/env node
// One command for development: the API server (tsx watch, port 3000) and Vite's dev server
// (port 5173, proxying /api and /ws to it). Ctrl-C stops both.
import { spawn } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

const children = [];
let stopping = false;

const isWindows = process.platform === 'win32';
const bin = (name) => path.join(root, 'node_modules', '.bin', isWindows ? `${name}.cmd` : name);

function run(name, command, args, env = {}) {
  const child = spawn(command, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...env },
    shell: isWindows,
    // Its own process group, so stopping it stops everything it started (tsx's watcher and child).
    detached: !isWindows,
  });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[dev] ${name} exited (${signal ?? code}); stopping the other process`);
      stop(code ?? 1);
    }
  });
  children.push(child);
  return child;
}

function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const child of children) signal(child, 'SIGTERM');
  const timer = setTimeout(() => {
    for (const child of children) signal(child, 'SIGKILL');
    process.exit(code);
  }, 5000);
  timer.unref();
  Promise.all(
    children.map((child) =>
      child.exitCode !== null || child.signalCode !== null
        ? Promise.resolve()
        : new Promise((done) => child.once('exit', done)),
    ),
  ).then(() => process.exit(code));
}

function signal(child, sig) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    if (isWindows) child.kill(sig);
    else process.kill(-child.pid, sig);
  } catch {
    /* already gone */
  }
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

const port = process.env.PORT ?? '3000';
run('server', bin('tsx'), ['watch', 'src/server.ts'], {
  PORT: port,
  // Development listens on this machine only (the production default is 0.0.0.0); set HOST to share it.
  HOST: process.env.HOST ?? '127.0.0.1',
  NODE_ENV: process.env.NODE_ENV ?? 'development',
});

// Vite starts once the API answers (or after a while regardless, so a server that does not
// compile yet still leaves the UI to work on), so the first page load does not meet a dead proxy.
async function waitForApi(timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!stopping && Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) return true;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return false;
}

const up = await waitForApi(30_000);
if (!stopping) {
  if (!up) console.warn(`[dev] the API on port ${port} is not answering yet; starting Vite anyway`);
  run('vite', bin('vite'), [], { RTCHAT_API_URL: `http://127.0.0.1:${port}` });
}
