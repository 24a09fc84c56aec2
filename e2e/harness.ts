/**
 * Browser-test harness: the real built server as a child process on a free port with a fresh data
 * directory, and Debian's Chromium driven by playwright-core (never a downloaded browser).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe } from 'vitest';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = path.join(ROOT, 'test-results', 'screenshots');

/** Why the browser tests cannot run here, or null when they can. */
export function skipReason(): string | null {
  if (!existsSync(path.join(ROOT, 'dist', 'server.js')) || !existsSync(path.join(ROOT, 'dist', 'public', 'index.html'))) {
    return 'the build is missing (dist/server.js or dist/public/index.html): run `npm run build` first';
  }
  if (!existsSync(CHROMIUM)) {
    return `Chromium not found at ${CHROMIUM}: install it with \`apt-get install -y chromium\``;
  }
  return null;
}

export function announceSkip(reason: string | null): void {
  if (reason) console.warn(`[e2e] browser tests skipped: ${reason}`);
}

/** describe() for a browser suite: skipped, with the reason said once, when the build or Chromium is missing. */
export function describeInBrowser(title: string, fn: () => void): void {
  const reason = skipReason();
  announceSkip(reason);
  describe.skipIf(reason !== null)(title, fn);
}

export type ContextOptions = { mobile?: boolean; dark?: boolean };

/** One suite's server and browser, started in beforeAll and stopped in afterAll. */
export interface BrowserSuite {
  readonly server: RunningServer;
  readonly browser: Browser;
  /** A new browser context on the server (closed with the suite). */
  context(opts?: ContextOptions): Promise<BrowserContext>;
  /** A page in a new context of its own (closed with the suite); `page.context()` reaches it. */
  page(opts?: ContextOptions): Promise<Page>;
}

/**
 * Registers beforeAll (start the built server with `env`, launch Chromium) and afterAll (close
 * every context, the browser, stop the server). Call it first in the describe block so that the
 * suite's own beforeAll runs after it.
 */
export function browserSuite(env: Record<string, string> = {}): BrowserSuite {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the suite's ${what} is not started yet (use it inside a hook or a test)`);
    return value;
  };
  const suite: BrowserSuite = {
    get server() {
      return started(server, 'server');
    },
    get browser() {
      return started(browser, 'browser');
    },
    async context(opts = {}) {
      const ctx = await newContext(suite.browser, suite.server.url, opts);
      contexts.push(ctx);
      return ctx;
    },
    async page(opts = {}) {
      return (await suite.context(opts)).newPage();
    },
  };
  beforeAll(async () => {
    server = await startServer(env);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const ctx of contexts.splice(0)) await ctx.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
  });
  return suite;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface RunningServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts the server; a start that fails (e.g. the embedded database taking longer than Fastify's
 * plugin timeout on a busy machine) is tried again, up to three times.
 */
export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await startServerOnce(env);
    } catch (err) {
      lastError = err;
      console.warn(`[e2e] server start attempt ${attempt} failed: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  throw lastError;
}

async function startServerOnce(env: Record<string, string>): Promise<RunningServer> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'rtchat-e2e-'));
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'dist', 'server.js')], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      LOGIN_MAX_FAILURES: '1000',
      REGISTER_PER_HOUR: '10000',
      NODE_ENV: 'production',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  let stopping = false;
  let started = false;
  child.once('exit', (code, signal) => {
    if (!stopping && started) console.error(`[e2e] the server exited unexpectedly (${signal ?? code}):\n${output.slice(-4000)}`);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`server exited early (${child.exitCode}):\n${output}`);
    }
    try {
      // Healthy, and the SPA itself served: a test's first page load must not meet a start-up stall.
      const health = await fetch(`${url}/healthz`);
      if (health.status === 200 && (await fetch(`${url}/`)).status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 200));
      rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`server did not become healthy (GET /healthz and GET / both 200) in time:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  started = true;
  return {
    url,
    port,
    stop: async () => {
      stopping = true;
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

export async function newContext(browser: Browser, baseURL: string, opts: { mobile?: boolean; dark?: boolean } = {}): Promise<BrowserContext> {
  return browser.newContext({
    baseURL,
    viewport: opts.mobile ? { width: 390, height: 780 } : { width: 1280, height: 800 },
    deviceScaleFactor: 1,
    isMobile: opts.mobile ?? false,
    hasTouch: opts.mobile ?? false,
    colorScheme: opts.dark ? 'dark' : 'light',
    reducedMotion: 'reduce',
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}

let counter = 0;
/** A unique, valid username for this run. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}_${Date.now().toString(36).slice(-5)}${counter}`.slice(0, 24);
}

/**
 * Opens `path` and waits for `field` (a form's first field); if the first load did not render it,
 * reloads once (saying so) and waits again.
 */
async function openForm(page: Page, route: string, field: Locator): Promise<void> {
  await page.goto(route);
  try {
    await field.waitFor({ timeout: 10_000 });
  } catch {
    console.warn(`[e2e] ${route} did not render its form on the first load; reloading once`);
    await page.reload();
    await field.waitFor();
  }
}

export async function register(page: Page, username: string, password = 'correct horse battery'): Promise<void> {
  await openForm(page, '/register', page.getByLabel('Username', { exact: true }));
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByTestId('current-user').filter({ hasText: username }).waitFor();
}

/** Logs in through the form and waits for the app. */
export async function login(page: Page, username: string, password = 'correct horse battery'): Promise<void> {
  await openForm(page, '/login', page.getByLabel('Username or email'));
  await page.getByLabel('Username or email').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByTestId('current-user').waitFor();
}

/** Creates a room through the UI and returns its id (from the URL). */
export async function createRoom(page: Page, name: string, opts: { description?: string; isPrivate?: boolean } = {}): Promise<string> {
  await page.getByRole('button', { name: 'Create room' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create a room' });
  await dialog.getByLabel('Name').fill(name);
  if (opts.description) await dialog.getByLabel(/Description/).fill(opts.description);
  if (opts.isPrivate) await dialog.getByLabel(/Private/).check();
  await dialog.getByRole('button', { name: 'Create room' }).click();
  await page.waitForURL(/\/rooms\//);
  await page.getByTestId('room-title').filter({ hasText: name }).waitFor();
  return decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
}

/** Opens a room the page's user is not in, joins it with the button and waits for the composer. */
export async function joinRoom(page: Page, roomId: string): Promise<void> {
  await page.goto(`/rooms/${roomId}`);
  await page.getByRole('button', { name: 'Join room' }).click();
  await page.getByRole('textbox', { name: /^Message / }).waitFor();
}

/** Posts a message over the API from the page's session (seeding history fast); returns it. */
export async function postMessage(page: Page, roomId: string, body: string, replyToId?: string): Promise<{ id: string; seq: number }> {
  return page.evaluate(
    async ([rid, text, reply]) => {
      const res = await fetch(`/api/rooms/${rid}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ clientMsgId: crypto.randomUUID(), body: text, ...(reply ? { replyToId: reply } : {}) }),
      });
      return ((await res.json()) as { message: { id: string; seq: number } }).message;
    },
    [roomId, body, replyToId] as const,
  );
}

export async function sendChat(page: Page, text: string): Promise<void> {
  const input = page.getByRole('textbox', { name: /^Message / });
  await input.fill(text);
  await input.press('Enter');
}

/** Runs axe-core in the page (its source injected) and returns serious and critical violations. */
export async function axeViolations(page: Page): Promise<Array<{ id: string; impact: string | null; help: string; nodes: string[] }>> {
  const source = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  // evaluate() runs outside the page's CSP (which rightly forbids inline scripts).
  await page.evaluate(source);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: unknown) => Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }> }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => JSON.stringify(n.target)) }));
  });
}
