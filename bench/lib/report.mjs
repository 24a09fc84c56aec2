/**
 * What the benchmark concludes from its measurements, kept pure so it is unit-tested
 * (test/bench-report.test.ts): which step of a ladder is the headline and where it saturated, the
 * flat figures outside tools read, the targets of issue 13 and the printed table.
 *
 * Ladder rules (fan-out and durable writes alike):
 * - a step passes when it delivered at least 90% of what was offered, with no error, and its p99
 *   is a number within the bound;
 * - the headline is the highest step that passes WITH EVERY LOWER STEP PASSING TOO (a failed
 *   middle step ends the headline there, whatever the steps above it did);
 * - the ladder saturates at its first failing step; saturationPerSec is the most it achieved at any
 *   step (its ceiling). A ladder that never failed is reported as `saturated: false`, and its
 *   saturationPerSec is then only a lower bound.
 */
import { ratio, round } from './stats.mjs';

/** Share of the offered rate a step must achieve to pass. */
export const KEEP_UP = 0.9;

/**
 * @param {object[]} steps in ascending offered order
 * @param {{offered:(s:object)=>number, achieved:(s:object)=>number, p99Bound:number}} how
 */
export function ladderSummary(steps, { offered, achieved, p99Bound }) {
  const failure = (s) => {
    if (s.errors > 0) return `${s.errors} errors`;
    if (!Number.isFinite(s.p99)) return 'no latency sample';
    if (s.p99 > p99Bound) return `p99 ${s.p99} ms > ${p99Bound} ms`;
    if (achieved(s) < KEEP_UP * offered(s)) return `achieved ${achieved(s)}/s of ${offered(s)}/s offered`;
    return null;
  };
  let best = null;
  let firstFail = null;
  for (const s of steps) {
    const why = failure(s);
    if (why) {
      firstFail = { step: s, why };
      break;
    }
    best = s;
  }
  const ceiling = steps.length ? Math.max(...steps.map(achieved)) : NaN;
  return {
    headlinePerSec: best ? achieved(best) : 0,
    headlineP99: best?.p99 ?? null,
    headlineOffered: best ? offered(best) : null,
    saturated: firstFail !== null,
    saturatedAtOffered: firstFail ? offered(firstFail.step) : null,
    saturationReason: firstFail?.why ?? `not saturated at the top of the ladder (${steps.length ? offered(steps.at(-1)) : 0}/s offered)`,
    saturationPerSec: Number.isFinite(ceiling) ? ceiling : null,
  };
}

/** The figures outside tools read, as `scenario.key` paths into the results. */
export const FIGURE_KEYS = [
  'fanout.ratioVsBaseline',
  'fanout.ratioVsSocketIO',
  'fanout.ratioVsTunedLimit',
  'fanout.saturationPerSec',
  'fanout.twoInstanceRatioVsOne',
  'durable.ratioVsNaive',
  'durable.ratioVsRawLimit',
  'durable.p99AckMs',
  'idle.kbPerConnection',
  'idle.ratioVsBaseline',
  'history.p99Ms',
  'history.ratioVsRaw',
  'storm.catchUpMs',
  'storm.lost',
  'storm.duplicated',
  'storm10k.catchUpMs',
  'storm10k.lost',
  'storm10k.duplicated',
];

/** `{ "fanout.ratioVsBaseline": 3.8, ... }` for the scenarios that ran (missing ones are left out). */
export function figures(results) {
  const out = {};
  for (const key of FIGURE_KEYS) {
    const [scenario, field] = key.split('.');
    const r = results[scenario];
    if (!r || r.error) continue;
    out[key] = r[field] ?? null;
  }
  return out;
}

const isNum = (x) => typeof x === 'number' && Number.isFinite(x);
/** 'yes' / 'no', or 'n/a' when a figure the target needs is missing. */
const met = (values, test) => (values.every(isNum) ? (test(...values) ? 'yes' : 'no') : 'n/a');

function fmt(x, d = 0) {
  if (!isNum(x)) return '-';
  return x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
}
const range = (s, d = 0) => (s && isNum(s.min) ? `${fmt(s.min, d)}-${fmt(s.max, d)}` : '-');
const x = (v, what) => `${fmt(v, 2)}x ${what}`;

/** The rows of the targets table: [figure, RtChat, spread, compared with, ratio, target, met]. */
export function tableRows(r) {
  const rows = [];
  const f = r.fanout;
  if (f && !f.error) {
    rows.push([
      'fan-out: deliveries/s, p99 <= 100 ms',
      fmt(f.rtchatPerSec),
      range(f.spread?.rtchat),
      `ws ${fmt(f.baselinePerSec)}, sio ${fmt(f.socketioPerSec)}, tuned ${fmt(f.tunedPerSec)}`,
      `${x(f.ratioVsBaseline, 'ws')}, ${x(f.ratioVsSocketIO, 'sio')}, ${x(f.ratioVsTunedLimit, 'tuned')}`,
      '>= 4x ws, >= 8x sio, >= 0.8x tuned',
      met([f.ratioVsBaseline, f.ratioVsSocketIO, f.ratioVsTunedLimit], (a, b, c) => a >= 4 && b >= 8 && c >= 0.8),
    ]);
    const sat = f.saturation ?? {};
    const satOf = (k) => `${fmt(sat[k]?.perSec)}${sat[k]?.saturated === false ? '+' : ''}`;
    rows.push([
      'fan-out: saturation deliveries/s',
      satOf('rtchat'),
      '-',
      `ws ${satOf('ws')}, sio ${satOf('sio')}, tuned ${satOf('tuned')}`,
      x(ratio(sat.rtchat?.perSec, sat.tuned?.perSec), 'tuned'),
      '(reported; + = not saturated)',
      '-',
    ]);
    rows.push([
      'fan-out: 2 instances via Redis',
      fmt(f.twoInstancePerSec),
      range(f.spread?.twoInstance),
      f.twoInstanceSkipped ? `skipped: ${f.twoInstanceSkipped}` : '1 instance',
      x(f.twoInstanceRatioVsOne, '1 instance'),
      '>= 0.9x 1 instance',
      met([f.twoInstanceRatioVsOne], (a) => a >= 0.9),
    ]);
  }
  const d = r.durable;
  if (d && !d.error) {
    rows.push([
      'durable: stored msgs/s, ack p99 <= 25 ms',
      fmt(d.perSec),
      range(d.spread?.rtchat),
      `naive ${fmt(d.naivePerSec)}, raw ${fmt(d.rawPerSec)}${d.rawSkipped ? ` (raw skipped: ${d.rawSkipped})` : ''}`,
      `${x(d.ratioVsNaive, 'naive')}, ${x(d.ratioVsRawLimit, 'raw')}`,
      '>= 10x naive, >= 0.6x raw',
      met([d.ratioVsNaive, d.ratioVsRawLimit, d.perSec], (a, b, n) => a >= 10 && b >= 0.6 && n > 0),
    ]);
    rows.push([
      'durable: send->ack p99 ms at that step',
      fmt(d.p99AckMs, 1),
      range(d.spread?.p99AckMs, 1),
      `raw ${fmt(d.rawP99Ms, 1)}`,
      '-',
      '<= 25 ms',
      met([d.p99AckMs, d.perSec], (p, n) => p <= 25 && n > 0),
    ]);
    rows.push([
      'durable: saturation msgs/s (any latency)',
      fmt(d.maxPerSec),
      '-',
      `naive ${fmt(d.naivePerSec)}, raw ${fmt(d.rawMaxPerSec)}`,
      `${x(d.maxRatioVsNaive, 'naive')}, ${x(ratio(d.maxPerSec, d.rawMaxPerSec), 'raw')}`,
      '(reported)',
      '-',
    ]);
  }
  const i = r.idle;
  if (i && !i.error) {
    rows.push([
      `idle: KB RSS per socket (${fmt(i.connections)})`,
      fmt(i.kbPerConnection, 2),
      range(i.spread?.rtchat, 2),
      `ws ${fmt(i.baselineKbPerConnection, 2)}, sio ${fmt(i.socketioKbPerConnection, 2)}` +
        (i.heapKbPerConnection != null ? `; JS heap ${fmt(i.heapKbPerConnection, 2)} (ws ${fmt(i.baselineHeapKbPerConnection, 2)}, sio ${fmt(i.socketioHeapKbPerConnection, 2)})` : ''),
      `${x(i.ratioVsBaseline, 'ws')}${i.heapRatioVsBaseline != null ? ` (heap ${x(i.heapRatioVsBaseline, 'ws')})` : ''}`,
      '<= 1.1x ws',
      met([i.ratioVsBaseline], (a) => a <= 1.1),
    ]);
  }
  const h = r.history;
  if (h && !h.error) {
    rows.push([
      `history: page of 50, p99 ms (${fmt(h.messages)} msgs)`,
      fmt(h.p99Ms, 2),
      range(h.spread?.p99, 2),
      `raw query ${fmt(h.rawP99Ms, 2)} (p50 ${fmt(h.rawP50Ms, 2)})${h.rawSkipped ? ` skipped: ${h.rawSkipped}` : ''}` +
        (h.bareP99Ms != null ? `; bare HTTP ${fmt(h.bareP99Ms, 2)} (p50 ${fmt(h.bareP50Ms, 2)}, ${x(h.bareRatioVsRaw, 'raw')})` : '') +
        (h.httpFloorP99Ms != null ? `; HTTP floor ${fmt(h.httpFloorP99Ms, 2)} (p50 ${fmt(h.httpFloorP50Ms, 2)})` : ''),
      `${x(h.ratioVsRaw, 'raw')}${h.ratioVsBare != null ? `, ${x(h.ratioVsBare, 'bare')}` : ''} (p50 ${fmt(h.p50Ms, 2)})`,
      '<= 1.3x raw',
      met([h.ratioVsRaw], (a) => a <= 1.3),
    ]);
  }
  for (const key of ['storm', 'storm10k']) {
    const s = r[key];
    if (!s || s.error) continue;
    const timed = key === 'storm';
    rows.push([
      `storm: ${fmt(s.clients)} resume, catch-up ms`,
      fmt(s.catchUpMs),
      range(s.spread?.catchUpMs),
      s.coldConnectMs != null ? `first connect ${fmt(s.coldConnectMs)} ms (fresh server)` : '-',
      `lost ${s.lost}, dup ${s.duplicated}`,
      timed ? '<= 2000 ms, 0 lost, 0 dup' : '0 lost, 0 dup (time reported)',
      met([s.catchUpMs, s.lost, s.duplicated], (t, l, dup) => (!timed || t <= 2000) && l === 0 && dup === 0),
    ]);
  }
  return rows;
}

export function table(results) {
  const rows = [['figure', 'RtChat', 'spread', 'compared with', 'ratio', 'target', 'met'], ...tableRows(results)];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => String(row[c]).length)));
  const line = (row) => `| ${row.map((c, k) => String(c).padEnd(widths[k])).join(' | ')} |`;
  return [line(rows[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

/** Values of a finished scenario that are 0 or null where a smoke run must show a measurement. */
export function emptyFigures(results) {
  return Object.entries(figures(results))
    .filter(([key]) => !(key === 'fanout.twoInstanceRatioVsOne' && results.fanout?.twoInstanceSkipped))
    .filter(([key, v]) => !/lost|duplicated/.test(key) && !(isNum(v) && v > 0))
    .map(([key]) => key);
}

export { round };
