/**
 * Message search queries, parsed once in TypeScript: what goes to Postgres full text, what is
 * matched as a substring, and what gets highlighted.
 *
 * Syntax (the websearch syntax of Postgres): words, "quoted phrases", `-word` / `-"phrase"`
 * exclusions, and `or` between two terms. Every other character is plain text: nothing in a query
 * can make a statement fail (`:*&|!()'\` are separators, as Postgres's parser reads them).
 *
 * Invariants:
 * - A word is a run of letters, digits and combining marks (how the `simple` parser splits text,
 *   close enough for highlights: Postgres also keeps `foo-bar`, `3.14`, e-mails and URLs whole,
 *   and indexes their parts as well, so those still match by their parts).
 * - Words in a CJK script (Han, kana, Hangul) and emoji are SUBSTRING pieces: the `simple` parser
 *   keeps a run of CJK as one token (a sentence is one "word") and drops emoji, so full text alone
 *   could only match a whole run and never an emoji. Everything else is a full-text word.
 * - The full-text part is rebuilt from the parsed terms (never the raw query), so the database and
 *   the highlighter always read the same terms.
 * - Highlights are [start, end) code-point ranges of the body, sorted, never overlapping.
 */

/** Letters, digits, marks: one word. */
const WORD = /[\p{L}\p{N}\p{M}]+/gu;
/** An emoji with its modifiers, variation selectors and ZWJ sequences. */
const EMOJI = /\p{Extended_Pictographic}(?:[\u{FE0F}\u{1F3FB}-\u{1F3FF}]|\u200D\p{Extended_Pictographic})*/gu;
const CJK_CHARS = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}';
const CJK = new RegExp(`[${CJK_CHARS}]`, 'u');
/** A word holding a CJK letter (what WORD would match around it), for blanking it out. */
const CJK_RUN = new RegExp(`[\\p{L}\\p{N}\\p{M}]*[${CJK_CHARS}][\\p{L}\\p{N}\\p{M}]*`, 'gu');

export interface SearchTerm {
  /** Full-text words of the term, in order (a phrase when more than one), normalized. */
  words: string[];
  /** Substring pieces (CJK runs, emoji), lower-cased as typed (NFKC from cleanQuery). */
  pieces: string[];
  negated: boolean;
}

export interface ParsedQuery {
  terms: SearchTerm[];
  /** What `websearch_to_tsquery` gets; '' when no full-text word is searched. */
  fullText: string;
  /** Substring pieces every result must contain. */
  mustContain: string[];
  /** Substring pieces no result may contain. */
  mustNotContain: string[];
  /** Nothing positive or negative to look for (only punctuation): the answer is no results. */
  empty: boolean;
}

// Latin letters unaccent maps to several letters or to a letter that NFD does not decompose.
const FOLDS: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd', ð: 'd', þ: 'th', ı: 'i', ŀ: 'l', ħ: 'h', ŧ: 't' };
const FOLDABLE = /[ßæœøłđðþıŀħŧ]/g;

/** A word as the `rtchat_search` configuration stores it: lower case, Latin accents removed. */
export function normalizeWord(word: string): string {
  return word
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(FOLDABLE, (c) => FOLDS[c] ?? c)
    .normalize('NFC');
}

interface RawTerm {
  text: string;
  quoted: boolean;
  negated: boolean;
  /** `or` came right before this term. */
  orBefore: boolean;
}

/** Splits the query into terms: "phrases", -exclusions, words; `or` joins its neighbours. */
function lex(q: string): RawTerm[] {
  const terms: RawTerm[] = [];
  let i = 0;
  let orPending = false;
  while (i < q.length) {
    if (/\s/u.test(q[i]!)) {
      i++;
      continue;
    }
    let negated = false;
    if (q[i] === '-') {
      negated = true;
      i++;
    }
    let text: string;
    let quoted = false;
    if (q[i] === '"') {
      const end = q.indexOf('"', i + 1);
      text = q.slice(i + 1, end < 0 ? q.length : end);
      quoted = true;
      i = end < 0 ? q.length : end + 1;
    } else {
      let end = i;
      while (end < q.length && !/\s/u.test(q[end]!) && q[end] !== '"') end++;
      text = q.slice(i, end);
      i = end;
    }
    if (!negated && !quoted && text.toLowerCase() === 'or') {
      orPending = terms.length > 0;
      continue;
    }
    terms.push({ text, quoted, negated, orBefore: orPending });
    orPending = false;
  }
  return terms;
}

/** A term's full-text words and substring pieces. */
function split(text: string): { words: string[]; pieces: string[] } {
  const words: string[] = [];
  const pieces: string[] = [];
  for (const [w] of text.matchAll(WORD)) (CJK.test(w) ? pieces : words).push(CJK.test(w) ? w.toLowerCase() : normalizeWord(w));
  for (const [e] of text.matchAll(EMOJI)) pieces.push(e);
  return { words, pieces };
}

/**
 * A term as websearch_to_tsquery reads it. Its own text (Postgres keeps `3.14`, `x@y.com` or
 * `readme.txt` whole, which our words would split), with the substring pieces blanked out and no
 * leading `-` or quote (the lexer took those). A phrase that held a piece becomes separate words:
 * the piece sat between them, so they are not adjacent in the body.
 */
function fullTextOf(raw: RawTerm, hadPieces: boolean, words: string[]): string {
  if (raw.quoted && hadPieces) return words.join(' ');
  const text = raw.text.replace(EMOJI, ' ').replace(CJK_RUN, ' ').replace(/^[-\s]+/u, '');
  return raw.quoted ? `"${text}"` : text;
}

export function parseQuery(q: string): ParsedQuery {
  const terms: SearchTerm[] = [];
  const fullText: string[] = [];
  for (const raw of lex(q)) {
    const { words, pieces } = split(raw.text);
    if (!words.length && !pieces.length) continue;
    terms.push({ words, pieces, negated: raw.negated });
    if (!words.length) continue;
    const text = fullTextOf(raw, pieces.length > 0, words);
    if (raw.orBefore && fullText.length && !raw.negated) fullText.push('or');
    fullText.push(raw.negated ? `-${text}` : text);
  }
  const mustContain = terms.filter((t) => !t.negated).flatMap((t) => t.pieces);
  const mustNotContain = terms.filter((t) => t.negated).flatMap((t) => t.pieces);
  return { terms, fullText: fullText.join(' '), mustContain, mustNotContain, empty: terms.length === 0 };
}

/** UTF-16 index -> code-point index, for every index of `s` (and its length). */
function codePointIndex(s: string): Uint32Array {
  const map = new Uint32Array(s.length + 1);
  let cp = 0;
  for (let i = 0; i < s.length; i++) {
    map[i] = cp;
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) map[++i] = cp;
    }
    cp++;
  }
  map[s.length] = cp;
  return map;
}

export type Highlight = [start: number, end: number];

/** Where the query's positive terms occur in `body`: code-point ranges, sorted and merged. */
export function highlightsOf(body: string, query: ParsedQuery): Highlight[] {
  const cp = codePointIndex(body);
  const ranges: Highlight[] = [];
  const tokens = [...body.matchAll(WORD)].map((m) => ({ norm: normalizeWord(m[0]), start: m.index, end: m.index + m[0].length }));
  const lowered = body.toLowerCase();
  const lowerSameLength = lowered.length === body.length;
  for (const term of query.terms) {
    if (term.negated) continue;
    const { words } = term;
    for (let i = 0; words.length && i + words.length <= tokens.length; i++) {
      if (words.every((w, k) => tokens[i + k]!.norm === w)) {
        for (let k = 0; k < words.length; k++) ranges.push([cp[tokens[i + k]!.start]!, cp[tokens[i + k]!.end]!]);
      }
    }
    for (const piece of term.pieces) {
      const haystack = lowerSameLength ? lowered : body;
      for (let at = haystack.indexOf(piece); at >= 0 && piece.length; at = haystack.indexOf(piece, at + piece.length)) {
        ranges.push([cp[at]!, cp[at + piece.length]!]);
      }
    }
  }
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: Highlight[] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}
