/**
 * One process per DATA_DIR (issue 9 item 3): `seed` and `db:migrate` next to a running server are
 * refused with who holds the directory, the server is unharmed, and the lock of a killed server is
 * taken over. Embedded database only (Postgres has no DATA_DIR to share).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataDirLockedError, LOCK_FILE, lockDataDir } from '../src/db/data-dir-lock.js';
import { usePostgres } from './helpers.js';
import { runScript, startServerProcess } from './processes.js';

const SECRET = 'lock-secret-data-dir-lock-secret-0123456';
const freshDir = () => mkdtempSync(path.join(tmpdir(), 'rtchat-lock-'));

/** The pid of a process that has exited (so it is certainly not running). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

describe.skipIf(usePostgres)('the DATA_DIR lock', () => {
  it('refuses seed, db:migrate and a second server while the server runs, and the server keeps serving', async () => {
    const dataDir = freshDir();
    const env = { DATA_DIR: dataDir, SESSION_SECRET: SECRET, LOG_LEVEL: 'warn' };
    const server = await startServerProcess(env);
    try {
      const seed = await runScript('src/seed.ts', env);
      expect(seed.code).not.toBe(0);
      expect(seed.stderr).toContain(`is in use by process ${server.child.pid} (node ./src/server.ts, since `);
      expect(seed.stderr).toContain(`DATA_DIR ${dataDir}`);
      expect(seed.stdout).not.toContain('users alice');

      const migrate = await runScript('src/db/migrate-cli.ts', env);
      expect(migrate.code).not.toBe(0);
      expect(migrate.stderr).toContain(`is in use by process ${server.child.pid}`);

      // A second server on the same DATA_DIR is refused the same way.
      const second = await runScript('src/server.ts', { ...env, PORT: '0' });
      expect(second.code).toBe(75);
      expect(second.stderr).toContain(`is in use by process ${server.child.pid}`);

      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      const reg = await fetch(`${server.url}/api/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'still_fine', password: 'long enough password' }),
      });
      expect(reg.status).toBe(201);
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
    // A clean stop leaves no lock behind.
    expect(existsSync(path.join(dataDir, LOCK_FILE))).toBe(false);
  }, 120_000);

  it('takes over the lock of a server killed with -9', async () => {
    const dataDir = freshDir();
    const env = { DATA_DIR: dataDir, SESSION_SECRET: SECRET, LOG_LEVEL: 'warn' };
    const server = await startServerProcess(env);
    server.child.kill('SIGKILL');
    await server.exited;
    expect(JSON.parse(readFileSync(path.join(dataDir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: server.child.pid });

    const seed = await runScript('src/seed.ts', env);
    expect(seed.stderr).toBe('');
    expect(seed.code).toBe(0);
    expect(seed.stdout).toContain('users alice, bob, carol');
    expect(existsSync(path.join(dataDir, LOCK_FILE))).toBe(false);
  }, 120_000);

  it('in one process: refuses a second lock, takes over a dead pid, refuses another host', async () => {
    const dataDir = freshDir();
    const lock = lockDataDir(dataDir, 'test');
    expect(() => lockDataDir(dataDir, 'again')).toThrow(DataDirLockedError);
    lock.release();
    lockDataDir(dataDir, 'after release').release();

    const file = path.join(dataDir, LOCK_FILE);
    writeFileSync(file, JSON.stringify({ pid: await deadPid(), hostname: hostname(), since: '2026-01-01T00:00:00.000Z', command: 'npm start' }));
    const taken = lockDataDir(dataDir, 'take over');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ pid: process.pid, command: 'take over' });
    taken.release();

    writeFileSync(file, JSON.stringify({ pid: 4242, hostname: 'elsewhere', since: '2026-01-01T00:00:00.000Z', command: 'npm start' }));
    expect(() => lockDataDir(dataDir)).toThrow(/is in use by process 4242 \(npm start, since 2026-01-01T00:00:00.000Z\) on host elsewhere/);
  });
});
