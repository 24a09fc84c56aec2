import { describe, expect, it } from 'vitest';
import { snippet, SNIPPET_LEAD, SNIPPET_MAX } from './search-snippet';

const text = (parts: ReturnType<typeof snippet>) => parts.map((p) => (p.mark ? `[${p.text}]` : p.text)).join('');

describe('snippet', () => {
  it('marks code-point ranges, emoji included', () => {
    expect(text(snippet('🎉 party 😀 time', [[0, 1], [2, 7], [10, 14]]))).toBe('[🎉] [party] 😀 [time]');
  });
  it('starts shortly before a late first match and ends with an ellipsis past the maximum', () => {
    const body = `${'a'.repeat(100)} match ${'b'.repeat(400)}`;
    const parts = snippet(body, [[101, 106]]);
    expect(parts[0]).toEqual({ text: '…', mark: false });
    expect(parts.at(-1)).toEqual({ text: '…', mark: false });
    expect(text(parts)).toContain('[match]');
    expect([...text(parts)].length).toBe(SNIPPET_MAX + 4);
    expect(text(parts).indexOf('[')).toBe(1 + SNIPPET_LEAD);
  });
  it('shows a body without highlights from its start', () => {
    expect(snippet('plain', [])).toEqual([{ text: 'plain', mark: false }]);
  });
});
