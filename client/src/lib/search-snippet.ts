/**
 * A search result's body cut for display: the text around the first highlight (`[start, end)`
 * code-point ranges from the server, sorted, not overlapping), split into plain and marked parts.
 * Works on code points, so an emoji is never cut in half.
 */
export interface SnippetPart {
  text: string;
  mark: boolean;
}

/** Code points shown before the first match / at most in all. */
export const SNIPPET_LEAD = 40;
export const SNIPPET_MAX = 240;

export function snippet(body: string, highlights: readonly (readonly [number, number])[]): SnippetPart[] {
  const cps = [...body];
  const first = highlights[0]?.[0] ?? 0;
  const from = first > SNIPPET_LEAD ? first - SNIPPET_LEAD : 0;
  const to = Math.min(cps.length, from + SNIPPET_MAX);
  const parts: SnippetPart[] = [];
  const push = (a: number, b: number, mark: boolean) => {
    if (b > a) parts.push({ text: cps.slice(a, b).join(''), mark });
  };
  let at = from;
  for (const [s, e] of highlights) {
    const start = Math.max(s, at);
    const end = Math.min(e, to);
    if (end <= start) continue;
    push(at, start, false);
    push(start, end, true);
    at = end;
  }
  push(at, to, false);
  if (from > 0) parts.unshift({ text: '…', mark: false });
  if (to < cps.length) parts.push({ text: '…', mark: false });
  return parts;
}
