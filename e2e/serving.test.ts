import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startServer, type RunningServer } from './harness';

/** How the built app is served: hashed assets cached for long and compressed, the SPA fallback. */
const built = existsSync(path.join(ROOT, 'dist', 'server.js')) && existsSync(path.join(ROOT, 'dist', 'public', 'index.html'));
if (!built) console.warn('[e2e] serving tests skipped: run `npm run build` first');

describe.skipIf(!built)('serving the built app', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('serves hashed assets with a long cache lifetime, compressed', async () => {
    const html = readFileSync(path.join(ROOT, 'dist', 'public', 'index.html'), 'utf8');
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const res = await fetch(`${server.url}${script}`, { headers: { 'accept-encoding': 'gzip, br' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toMatch(/max-age=31536000/);
    expect(res.headers.get('cache-control')).toMatch(/immutable/);
    expect(res.headers.get('content-encoding')).toMatch(/gzip|br/);
  });

  it('keeps the initial JavaScript (the entry and its modulepreloads) within 110 KB gzip', () => {
    const html = readFileSync(path.join(ROOT, 'dist', 'public', 'index.html'), 'utf8');
    const initial = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
    expect(initial.length).toBeGreaterThan(0);
    const bytes = initial.reduce((sum, file) => sum + gzipSync(readFileSync(path.join(ROOT, 'dist', 'public', file))).length, 0);
    // Lazy chunks (emoji picker, message menus, editor, autocomplete, panels, pages) are not counted: they load on use.
    expect(bytes).toBeLessThanOrEqual(110_000);
  });

  it('answers client routes with index.html, and unknown API paths with the JSON 404', async () => {
    for (const route of ['/', '/rooms/0b0e7c1e-0000-4000-8000-000000000000', '/join/abc', '/discover']) {
      const res = await fetch(`${server.url}${route}`);
      expect(res.status, route).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(res.headers.get('cache-control')).toMatch(/no-cache/);
      expect(await res.text()).toContain('<div id="root"');
    }
    const api = await fetch(`${server.url}/api/definitely-not-here`);
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
  });
});
