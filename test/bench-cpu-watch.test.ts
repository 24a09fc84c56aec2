/**
 * Where the benchmark puts this run's Postgres backends (bench/lib/cpu-watch.mjs): a core of their
 * own when there is one, else unpinned; the server core or nowhere when told. No processes moved.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
let cpuList: Any;
let pinMode: Any;
let SERVER_CPU: string;
let GEN_CPU: string;

beforeAll(async () => {
  ({ cpuList, pinMode } = await import(pathToFileURL(path.join(ROOT, 'bench/lib/cpu-watch.mjs')).href));
  ({ SERVER_CPU, GEN_CPU } = await import(pathToFileURL(path.join(ROOT, 'bench/lib/setup.mjs')).href));
});

const on = { database: true, taskset: true };

describe('bench: where the Postgres backends go', () => {
  it('reads taskset lists', () => {
    expect([...cpuList('0')]).toEqual([0]);
    expect([...cpuList('0,2')]).toEqual([0, 2]);
    expect([...cpuList('1-3')]).toEqual([1, 2, 3]);
  });

  it('pins them to the cores the servers and generators leave free, and nowhere on 2 cores', () => {
    const taken = new Set<number>([...cpuList(SERVER_CPU), ...cpuList(GEN_CPU)]);
    const four = pinMode({ ...on, mode: undefined, cores: 4 });
    expect(four.on).toBe(true);
    expect([...cpuList(four.cpus)].some((c: number) => taken.has(c))).toBe(false);
    expect(four.cpus.length).toBeGreaterThan(0);
    if (taken.size === 2) {
      const two = pinMode({ ...on, mode: 'auto', cores: 2 });
      expect(two.on).toBe(false);
      expect(two.why).toMatch(/no core of their own/);
    }
  });

  it('pins them to the server core or nowhere when told, and never for the embedded database', () => {
    expect(pinMode({ ...on, mode: 'server', cores: 2 })).toMatchObject({ on: true, cpus: SERVER_CPU });
    expect(pinMode({ ...on, mode: 'off', cores: 8 }).on).toBe(false);
    expect(pinMode({ database: false, taskset: true, cores: 8 }).on).toBe(false);
    expect(pinMode({ database: true, taskset: false, cores: 8 }).on).toBe(false);
  });
});
