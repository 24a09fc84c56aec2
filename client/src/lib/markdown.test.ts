import { isValidElement, type ReactNode } from 'react';
import { describe, expect, it } from 'vitest';
import { ALLOWED_ELEMENTS, LINK_REL, renderBlocks } from '../components/markdown-elements';
import { parseMarkdown, type Block } from './markdown';

const blocks = (s: string, me = 'alice') => parseMarkdown(s, { isMe: (n) => n === me }).blocks;
const para = (s: string) => {
  const [b] = blocks(s);
  return b && b.t !== 'pre' ? b.children : [];
};

describe('markdown subset', () => {
  it('parses inline code, bold, italic, strike, nested', () => {
    expect(para('a `x*y` **b _c_** ~~d~~')).toEqual([
      { t: 'text', text: 'a ' },
      { t: 'code', text: 'x*y' },
      { t: 'text', text: ' ' },
      { t: 'strong', children: [{ t: 'text', text: 'b ' }, { t: 'em', children: [{ t: 'text', text: 'c' }] }] },
      { t: 'text', text: ' ' },
      { t: 'del', children: [{ t: 'text', text: 'd' }] },
    ]);
  });

  it('leaves unclosed delimiters and snake_case words as text', () => {
    expect(para('**open `tick snake_case_word ~~x')).toEqual([{ t: 'text', text: '**open `tick snake_case_word ~~x' }]);
  });

  it('parses fenced code blocks (unclosed runs to the end), quotes and line breaks', () => {
    expect(blocks('hi\nthere\n```\n**raw**\n```\n> quoted **b**\n>more\nend')).toEqual<Block[]>([
      { t: 'p', children: [{ t: 'text', text: 'hi' }, { t: 'br' }, { t: 'text', text: 'there' }] },
      { t: 'pre', text: '**raw**' },
      {
        t: 'quote',
        children: [{ t: 'text', text: 'quoted ' }, { t: 'strong', children: [{ t: 'text', text: 'b' }] }, { t: 'br' }, { t: 'text', text: 'more' }],
      },
      { t: 'p', children: [{ t: 'text', text: 'end' }] },
    ]);
    expect(blocks('```js\nlet a;')).toEqual([{ t: 'pre', text: 'let a;' }]);
  });

  it('links http, https, mailto and bare www. only, also inside emphasis', () => {
    expect(para('**https://a.example/x** mailto:me@a.example www.b.example javascript:alert(1)')).toEqual([
      { t: 'strong', children: [{ t: 'link', text: 'https://a.example/x', href: 'https://a.example/x' }] },
      { t: 'text', text: ' ' },
      { t: 'link', text: 'mailto:me@a.example', href: 'mailto:me@a.example' },
      { t: 'text', text: ' ' },
      { t: 'link', text: 'www.b.example', href: 'https://www.b.example/' },
      { t: 'text', text: ' javascript:alert(1)' },
    ]);
  });

  it('marks mentions, the reader’s own apart, but not e-mail addresses', () => {
    expect(para('@bob hi @alice, mail a@bob.example')).toEqual([
      { t: 'mention', name: 'bob', mine: false },
      { t: 'text', text: ' hi ' },
      { t: 'mention', name: 'alice', mine: true },
      { t: 'text', text: ', mail a@bob.example' },
    ]);
  });

  it('renders to React elements with rel on links and markup kept as text', () => {
    const [p] = renderBlocks(blocks('<img src=x onerror=alert(1)> https://a.example'));
    const el = p as { type: string; props: { children: ReactNode[] } };
    expect(el.type).toBe('p');
    expect(el.props.children[0]).toBe('<img src=x onerror=alert(1)> ');
    const a = el.props.children[1] as { type: string; props: { rel: string; href: string } };
    expect(a.type).toBe('a');
    expect(a.props.rel).toBe(LINK_REL);
  });
});

// ---- fuzz ------------------------------------------------------------------------------------

/** mulberry32: a small seeded PRNG, so a failure reproduces. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  '*', '**', '_', '~~', '~', '`', '```', '\n', '> ', '>', '@', '@alice', 'a', 'b', ' ', '(', ')', '[', ']', '<', '>', '"', "'",
  'http://', 'https://', 'www.', 'mailto:', 'javascript:', 'JaVaScRiPt:', 'data:text/html,', 'x.example', '.', ',', '\\', '&lt;',
  '<script>', 'é', '👍', '\u202e', '\u0000',
];

function randomInput(rand: () => number, maxPieces: number): string {
  const n = Math.floor(rand() * maxPieces);
  let s = '';
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(rand() * PIECES.length)];
  return s;
}

const ALLOWED = new Set<string>(ALLOWED_ELEMENTS);

/** Walks the rendered tree: every element type is allowed, every href safe. */
function check(node: ReactNode): void {
  if (Array.isArray(node)) return node.forEach(check);
  if (!isValidElement(node)) {
    expect(['string', 'number', 'undefined', 'boolean'].includes(typeof node) || node === null).toBe(true);
    return;
  }
  const { type, props } = node as { type: unknown; props: Record<string, unknown> };
  expect(typeof type === 'string' && ALLOWED.has(type), String(type)).toBe(true);
  expect(props.dangerouslySetInnerHTML).toBeUndefined();
  if (type === 'a') {
    expect(['http:', 'https:', 'mailto:']).toContain(new URL(String(props.href)).protocol);
    expect(props.rel).toBe(LINK_REL);
  }
  for (const [k, v] of Object.entries(props)) {
    if (k.startsWith('on')) throw new Error(`event handler ${k} rendered`);
    if (k !== 'children' && typeof v === 'string') expect(v.trim().toLowerCase().startsWith('javascript:')).toBe(false);
  }
  check(props.children as ReactNode);
}

describe('markdown fuzz', () => {
  it('5,000 random inputs: no crash, only allowed elements, no unsafe href', () => {
    const rand = prng(0xc0ffee);
    for (let k = 0; k < 5_000; k++) {
      const input = randomInput(rand, 60);
      check(renderBlocks(parseMarkdown(input, { isMe: (n) => n === 'alice' }).blocks));
    }
  });

  it('long inputs: work grows linearly with the input (operation counts, not wall clock)', () => {
    const rand = prng(42);
    // The worst cases for a naive parser: many openers without closers, near-links, deep nesting.
    const adversarial = [
      (n: number) => '**'.repeat(n),
      (n: number) => '`'.repeat(n),
      (n: number) => '_a'.repeat(n),
      (n: number) => 'http://['.repeat(n),
      (n: number) => '@'.repeat(n),
      (n: number) => '**_~~'.repeat(n) + 'x',
      (n: number) => '> '.repeat(n),
      (n: number) => 'www.'.repeat(n),
      (n: number) => randomInput(rand, n),
    ];
    for (const make of adversarial) {
      const small = make(500);
      const large = make(8_000);
      const perCharSmall = parseMarkdown(small).steps / Math.max(1, small.length);
      const perCharLarge = parseMarkdown(large).steps / Math.max(1, large.length);
      // A constant per character, the same for a 16x longer input (quadratic work would be 16x).
      expect(perCharLarge, small.slice(0, 12)).toBeLessThan(12);
      expect(perCharLarge).toBeLessThan(perCharSmall * 2 + 1);
      check(renderBlocks(parseMarkdown(large).blocks));
    }
  });
});
