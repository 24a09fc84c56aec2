import { isWordChar, mayStartLink, scanLink } from './linkify';

/**
 * A small, safe Markdown subset parsed by a hand-written scanner into a tree of plain objects
 * (rendered to React elements by components/Markdown.tsx; never to an HTML string).
 *
 * Blocks: fenced code (``` lines), quotes (`>` lines), paragraphs. Inline: `code`, **bold**,
 * _italic_, ~~strike~~, links (http, https, mailto, bare www.), @mentions, line breaks.
 *
 * Linear time: the "where does the next closing delimiter start" tables are filled by one reverse
 * scan, so an opener finds its closer in O(1) and an unclosed one costs one step; nested emphasis
 * is parsed in disjoint ranges, at most MAX_DEPTH deep, so each character is visited at most
 * MAX_DEPTH + 1 times; a rejected link candidate's run of text is never scanned again.
 * `steps` counts that work (the fuzz test bounds it by the input size).
 */

export type Inline =
  | { t: 'text'; text: string }
  | { t: 'code'; text: string }
  | { t: 'strong' | 'em' | 'del'; children: Inline[] }
  | { t: 'link'; text: string; href: string }
  | { t: 'mention'; name: string; mine: boolean }
  | { t: 'br' };
export type Block = { t: 'p' | 'quote'; children: Inline[] } | { t: 'pre'; text: string };

/** Emphasis nests at most this deep; deeper delimiters are text. */
export const MAX_DEPTH = 4;
const USERNAME_MAX = 32;

export interface ParseOptions {
  /** Whether an @name is the reader (or @room): those mentions stand out. */
  isMe?: (name: string) => boolean;
}

export interface ParseResult {
  blocks: Block[];
  /** Work done, for the linearity test. */
  steps: number;
}

const NONE = Number.MAX_SAFE_INTEGER;

class InlineParser {
  steps = 0;
  /** nextX[i]: the first index >= i where a closer of X starts (NONE if none). */
  private readonly nextTick: number[];
  private readonly nextStars: number[];
  private readonly nextTildes: number[];
  private readonly nextUnderscore: number[];
  /** Link candidates before this index were rejected already (see scanLink's skipTo). */
  private noLinkBefore = 0;

  constructor(
    private readonly s: string,
    private readonly isMe: (name: string) => boolean,
  ) {
    const n = s.length;
    const tick = new Array<number>(n + 2).fill(NONE);
    const stars = new Array<number>(n + 2).fill(NONE);
    const tildes = new Array<number>(n + 2).fill(NONE);
    const under = new Array<number>(n + 2).fill(NONE);
    for (let i = n - 1; i >= 0; i--) {
      this.steps++;
      const c = s[i];
      tick[i] = c === '`' ? i : tick[i + 1]!;
      stars[i] = c === '*' && s[i + 1] === '*' ? i : stars[i + 1]!;
      tildes[i] = c === '~' && s[i + 1] === '~' ? i : tildes[i + 1]!;
      // A closing `_` ends a word: what follows is not a word character.
      under[i] = c === '_' && !isWordChar(s[i + 1]) ? i : under[i + 1]!;
    }
    this.nextTick = tick;
    this.nextStars = stars;
    this.nextTildes = tildes;
    this.nextUnderscore = under;
  }

  parse(from: number, to: number, depth: number): Inline[] {
    const { s } = this;
    const out: Inline[] = [];
    let text = from;
    const flush = (at: number) => {
      if (at > text) push(out, { t: 'text', text: s.slice(text, at) });
    };
    let i = from;
    while (i < to) {
      this.steps++;
      const c = s[i]!;
      const prev = i > 0 ? s[i - 1] : undefined;
      let node: Inline | null = null;
      let next = i + 1;
      if (c === '`') {
        const close = this.nextTick[i + 1]!;
        if (close < to && close > i + 1) {
          node = { t: 'code', text: s.slice(i + 1, close) };
          next = close + 1;
        }
      } else if ((c === '*' || c === '~') && s[i + 1] === c && depth < MAX_DEPTH) {
        const close = (c === '*' ? this.nextStars : this.nextTildes)[i + 2]!;
        if (close + 1 < to && close > i + 2) {
          node = { t: c === '*' ? 'strong' : 'del', children: this.parse(i + 2, close, depth + 1) };
          next = close + 2;
        }
      } else if (c === '_' && !isWordChar(prev) && depth < MAX_DEPTH) {
        const close = this.nextUnderscore[i + 1]!;
        if (close < to && close > i + 1) {
          node = { t: 'em', children: this.parse(i + 1, close, depth + 1) };
          next = close + 1;
        }
      } else if (c === '@' && !isWordChar(prev)) {
        let j = i + 1;
        while (j < to && j - i <= USERNAME_MAX && isWordChar(s[j])) j++;
        this.steps += j - i;
        if (j > i + 1 && !isWordChar(s[j])) {
          const name = s.slice(i + 1, j);
          node = { t: 'mention', name, mine: this.isMe(name) };
          next = j;
        }
      } else if (c === '\n') {
        node = { t: 'br' };
      } else if (i >= this.noLinkBefore && mayStartLink(c)) {
        const found = scanLink(s, i, to);
        if (found.kind === 'link') {
          this.steps += found.end - i;
          node = { t: 'link', text: found.text, href: found.href };
          next = found.end;
        } else {
          this.steps += found.skipTo - i;
          this.noLinkBefore = found.skipTo;
        }
      }
      if (node) {
        flush(i);
        out.push(node);
        text = next;
      }
      i = next;
    }
    flush(to);
    return out;
  }
}

function push(out: Inline[], node: Inline): void {
  const last = out[out.length - 1];
  if (node.t === 'text' && last?.t === 'text') out[out.length - 1] = { t: 'text', text: last.text + node.text };
  else out.push(node);
}

function isFence(line: string): boolean {
  return line.startsWith('```');
}

/** Parses a message body. Never throws; anything that is not markup stays text. */
export function parseMarkdown(body: string, opts: ParseOptions = {}): ParseResult {
  const isMe = opts.isMe ?? (() => false);
  const lines = body.split('\n');
  const blocks: Block[] = [];
  let steps = lines.length;
  let para: string[] = [];
  let quote: string[] = [];

  const inline = (text: string): Inline[] => {
    const p = new InlineParser(text, isMe);
    const nodes = p.parse(0, text.length, 0);
    steps += p.steps;
    return nodes;
  };
  const endPara = () => {
    if (para.length) blocks.push({ t: 'p', children: inline(para.join('\n')) });
    para = [];
  };
  const endQuote = () => {
    if (quote.length) blocks.push({ t: 'quote', children: inline(quote.join('\n')) });
    quote = [];
  };

  for (let k = 0; k < lines.length; k++) {
    const line = lines[k]!;
    steps++;
    if (isFence(line)) {
      endPara();
      endQuote();
      const code: string[] = [];
      let j = k + 1;
      while (j < lines.length && lines[j]!.trim() !== '```') code.push(lines[j++]!);
      steps += j - k;
      blocks.push({ t: 'pre', text: code.join('\n') });
      k = j; // the closing fence (or the end)
    } else if (line.startsWith('>')) {
      endPara();
      quote.push(line.slice(line.startsWith('> ') ? 2 : 1));
    } else {
      endQuote();
      para.push(line);
    }
  }
  endPara();
  endQuote();
  // Leading and trailing empty paragraphs add nothing.
  return { blocks: blocks.filter((b) => b.t !== 'p' || b.children.length > 0), steps };
}
