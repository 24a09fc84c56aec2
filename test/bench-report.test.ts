/**
 * The benchmark's conclusions (bench/lib/report.mjs, bench/lib/stats.mjs): which ladder step is
 * the headline, where a ladder saturated, the percentile, and the figures outside tools read.
 * Pure functions on made-up steps: no server, no timing.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
let report: Any;
let stats: Any;

beforeAll(async () => {
  report = await import(pathToFileURL(path.join(ROOT, 'bench/lib/report.mjs')).href);
  stats = await import(pathToFileURL(path.join(ROOT, 'bench/lib/stats.mjs')).href);
});

const how = { offered: (s: Any) => s.offered, achieved: (s: Any) => s.done, p99Bound: 100 };
const step = (offered: number, done: number, p99: number, errors = 0) => ({ offered, done, p99, errors });

describe('ladder summary', () => {
  it('takes the highest step with every lower step under the bound, not a later one after a failed middle step', () => {
    const s = report.ladderSummary([step(100, 100, 10), step(200, 199, 50), step(300, 300, 140), step(400, 400, 60)], how);
    expect(s.headlinePerSec).toBe(199);
    expect(s.headlineOffered).toBe(200);
    expect(s.headlineP99).toBe(50);
    expect(s.saturated).toBe(true);
    expect(s.saturatedAtOffered).toBe(300);
    expect(s.saturationReason).toMatch(/p99 140 ms > 100 ms/);
    // The ceiling is the most achieved at any step, the failed ones included.
    expect(s.saturationPerSec).toBe(400);
  });

  it('fails a step that falls behind the offered rate, has errors, or has no latency sample', () => {
    expect(report.ladderSummary([step(100, 95, 5), step(200, 170, 5)], how)).toMatchObject({ headlinePerSec: 95, saturatedAtOffered: 200 });
    expect(report.ladderSummary([step(100, 100, 5), step(200, 200, 5, 3)], how).saturationReason).toBe('3 errors');
    expect(report.ladderSummary([step(100, 100, NaN)], how)).toMatchObject({ headlinePerSec: 0, headlineP99: null, saturationReason: 'no latency sample' });
  });

  it('a p99 exactly at the bound passes; a ladder that never fails is not saturated', () => {
    const s = report.ladderSummary([step(100, 100, 99), step(200, 200, 100)], how);
    expect(s).toMatchObject({ headlinePerSec: 200, saturated: false, saturatedAtOffered: null, saturationPerSec: 200 });
    expect(s.saturationReason).toMatch(/not saturated at the top of the ladder \(200\/s offered\)/);
  });

  it('a first step over the bound gives a headline of 0', () => {
    expect(report.ladderSummary([step(100, 100, 300), step(200, 200, 10)], how)).toMatchObject({ headlinePerSec: 0, saturatedAtOffered: 100 });
  });
});

describe('statistics', () => {
  it('percentile is the nearest rank, median the middle, ratio null instead of a fake 0', () => {
    const v = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted
    expect(stats.percentile(v, 50)).toBe(50);
    expect(stats.percentile(v, 99)).toBe(99);
    expect(stats.percentile(v, 100)).toBe(100);
    expect(stats.percentile([7], 99)).toBe(7);
    expect(stats.percentile([], 99)).toBeNaN();
    expect(stats.median([3, 1, NaN, 2])).toBe(2);
    expect(stats.median([4, 1, 2, 3])).toBe(2.5);
    expect(stats.ratio(3, 2)).toBe(1.5);
    expect(stats.ratio(3, 0)).toBeNull();
    expect(stats.ratio(NaN, 2)).toBeNull();
  });
});

describe('figures and table', () => {
  const results = {
    fanout: { ratioVsBaseline: 4.2, ratioVsSocketIO: 9, ratioVsTunedLimit: 0.5, saturationPerSec: 400_000, twoInstanceRatioVsOne: null, twoInstanceSkipped: 'needs Postgres' },
    durable: { ratioVsNaive: 12, ratioVsRawLimit: 0.7, p99AckMs: 20, perSec: 12_000 },
    idle: { kbPerConnection: 7.2, ratioVsBaseline: 1.05 },
    history: { p99Ms: 5, ratioVsRaw: 1.25, rawP99Ms: 4 },
    storm: { catchUpMs: 1800, lost: 0, duplicated: 0, clients: 2000, coldConnectMs: 2300 },
    storm10k: { error: 'boom' },
  };

  it('has every key issue 13 names, for the scenarios that ran', () => {
    const f = report.figures(results);
    expect(Object.keys(f).sort()).toEqual(report.FIGURE_KEYS.filter((k: string) => !k.startsWith('storm10k.')).sort());
    expect(f['durable.ratioVsRawLimit']).toBe(0.7);
    expect(f['history.ratioVsRaw']).toBe(1.25);
    expect(report.FIGURE_KEYS).toEqual(
      expect.arrayContaining([
        'fanout.ratioVsBaseline', 'fanout.ratioVsSocketIO', 'durable.ratioVsNaive', 'durable.p99AckMs', 'idle.kbPerConnection',
        'history.p99Ms', 'storm.catchUpMs', 'storm.lost', 'storm.duplicated', 'durable.ratioVsRawLimit', 'history.ratioVsRaw',
        'fanout.ratioVsTunedLimit', 'fanout.saturationPerSec', 'idle.ratioVsBaseline', 'fanout.twoInstanceRatioVsOne',
        'storm10k.catchUpMs', 'storm10k.lost', 'storm10k.duplicated',
      ]),
    );
  });

  it('judges each target of the issue, n/a where a figure is missing', () => {
    const rows: string[][] = report.tableRows(results);
    const metOf = (prefix: string) => rows.find((r) => r[0]!.startsWith(prefix))![6];
    expect(metOf('fan-out: deliveries/s')).toBe('no'); // 0.5x tuned < 0.8x
    expect(metOf('fan-out: 2 instances')).toBe('n/a');
    expect(metOf('durable: stored')).toBe('yes');
    expect(metOf('durable: send->ack')).toBe('yes');
    expect(metOf('idle')).toBe('yes');
    expect(metOf('history')).toBe('yes');
    expect(metOf('storm: 2,000')).toBe('yes');
    expect(rows.some((r) => r[0]!.includes('10,000'))).toBe(false); // a failed scenario has no row
    const worse = report.tableRows({ ...results, history: { ...results.history, ratioVsRaw: 1.31 }, storm: { ...results.storm, duplicated: 1 } });
    expect(worse.find((r: string[]) => r[0]!.startsWith('history'))[6]).toBe('no');
    expect(worse.find((r: string[]) => r[0]!.startsWith('storm'))[6]).toBe('no');
    expect(rows.find((r) => r[0]!.startsWith('storm: 2,000'))![3]).toBe('first connect 2,300 ms (fresh server)');
  });

  it('names the figures of a smoke run that show no measurement', () => {
    expect(report.emptyFigures(results)).toEqual([]);
    expect(report.emptyFigures({ ...results, durable: { ...results.durable, ratioVsRawLimit: null, ratioVsNaive: 0 } })).toEqual([
      'durable.ratioVsNaive',
      'durable.ratioVsRawLimit',
    ]);
  });
});
