/**
 * The shape of the code, checked: no import cycles in src/ (type-only imports count: a type-level
 * circle is still two modules that cannot be understood apart), and no file in src/ or
 * client/src/ over MAX_LINES unless it is on the allowlist below with its reason.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesUnder, findCycle, importGraph, specifiers } from './import-graph.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const MAX_LINES = 300;

/** Files allowed over MAX_LINES, each with why. An entry that is gone or short again must leave. */
const LONG_FILES: Record<string, string> = {
  // One file on purpose: every schema of the wire contract side by side, one type import for the client.
  'src/protocol.ts': 'the whole wire contract (objects, frames both ways, HTTP bodies)',
  // Lanes, group commit of sends and batched ops share one queue per lane: one header states the invariants.
  'src/services/message-writer.ts': 'the one ordered writer of the room log (sends and ops in the same lanes)',
  // drizzle-kit generates migrations from this one module; a split would need a re-export cycle.
  'src/db/schema.ts': 'every table and the index each query needs, side by side (drizzle-kit input)',
};

const rel = (file: string) => path.relative(ROOT, file).split(path.sep).join('/');

describe('architecture', () => {
  it('finds a cycle when there is one (the check itself works)', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(findCycle(graph)).toEqual(['a', 'b', 'c', 'a']);
    expect(findCycle(new Map([['a', ['b']], ['b', []]]))).toBeNull();
    expect(specifiers("import type {\n  A,\n  B,\n} from './x.js';\nexport { C } from '../y.js';\nconst z = await import('./z.js');")).toEqual([
      './x.js',
      '../y.js',
      './z.js',
    ]);
  });

  it.each(['src', 'client/src'])('has no import cycles in %s/, type-only imports included', (dir) => {
    const graph = importGraph(filesUnder(path.join(ROOT, dir)).filter((f) => !/\.test\.tsx?$/.test(f)));
    expect(graph.size).toBeGreaterThan(30);
    const cycle = findCycle(graph);
    expect(cycle?.map(rel) ?? null).toBeNull();
  });

  it(`keeps every file in src/ and client/src/ within ${MAX_LINES} lines, except the listed ones`, () => {
    const files = [...filesUnder(path.join(ROOT, 'src')), ...filesUnder(path.join(ROOT, 'client/src'))];
    const lines = new Map(files.map((f) => [rel(f), readFileSync(f, 'utf8').split('\n').length - 1]));
    const tooLong = [...lines].filter(([file, n]) => n > MAX_LINES && !(file in LONG_FILES)).map(([file, n]) => `${file}: ${n}`);
    expect(tooLong).toEqual([]);
    const stale = Object.keys(LONG_FILES).filter((file) => (lines.get(file) ?? 0) <= MAX_LINES);
    expect(stale, 'allowlisted but gone or short again: remove from LONG_FILES').toEqual([]);
  });
});
