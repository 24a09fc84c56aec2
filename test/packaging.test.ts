/**
 * The production image runs `npm prune --omit=dev`: everything the built server imports must be a
 * runtime dependency, and migrations must ship beside dist/.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

function* files(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'public') yield* files(full);
    } else if (entry.name.endsWith('.js')) yield full;
  }
}

function packageOf(specifier: string): string | null {
  if (specifier.startsWith('.') || specifier.startsWith('node:') || builtinModules.includes(specifier)) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

describe.skipIf(!existsSync(path.join(ROOT, 'dist/server.js')))('the production build', () => {
  it('imports only runtime dependencies', () => {
    const used = new Set<string>();
    for (const file of files(path.join(ROOT, 'dist'))) {
      const source = readFileSync(file, 'utf8');
      for (const m of source.matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
        const name = packageOf(m[1] ?? m[2]!);
        if (name) used.add(name);
      }
    }
    expect(used.size).toBeGreaterThan(5);
    const missing = [...used].filter((name) => !(name in pkg.dependencies));
    expect(missing).toEqual([]);
  });

  it('finds its migrations next to dist/', () => {
    const journal = JSON.parse(readFileSync(path.join(ROOT, 'drizzle/meta/_journal.json'), 'utf8')) as { entries: { tag: string }[] };
    for (const { tag } of journal.entries) expect(existsSync(path.join(ROOT, 'drizzle', `${tag}.sql`))).toBe(true);
  });
});

describe('the lock file', () => {
  // package.json promises Node 20.19; `npm ci` warns EBADENGINE for any locked package that needs more.
  it('holds no package that requires a Node.js newer than 20', () => {
    const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { engines?: { node?: string } }>;
    };
    const tooNew = Object.entries(lock.packages)
      .filter(([, info]) => {
        const min = /^\s*>=?\s*v?(\d+)/.exec(info.engines?.node ?? '');
        return min !== null && Number(min[1]) > 20;
      })
      .map(([name, info]) => `${name} (${info.engines!.node})`);
    expect(tooNew).toEqual([]);
  });
});
