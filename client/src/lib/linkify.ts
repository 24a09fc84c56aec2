/**
 * Finds links in message text with a hand-written scanner (linear in the text: every character is
 * looked at a bounded number of times, no backtracking regex). Only http(s) URLs, `mailto:`
 * addresses and bare `www.` hosts (`www.example.org/x`, linked as https://) become links.
 * Trailing punctuation stays text, except a closing bracket that balances one inside the URL.
 */
export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);
/** `www.` followed by at least a name and a top-level domain (a hostname is short: no risk). */
const WWW_HOST = /^www\.[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$/i;
const TRAILING = new Set(['.', ',', ';', ':', '!', '?', ')', ']', '}', "'", '"']);

/** http(s) hrefs only (mailto too with `allowMail`), normalized; null for anything else. */
export function safeHref(raw: string, allowMail = false): string | null {
  try {
    const url = new URL(raw);
    return SAFE_PROTOCOLS.has(url.protocol) && (allowMail || url.protocol !== 'mailto:') ? url.href : null;
  } catch {
    return null;
  }
}

export function isWordChar(c: string | undefined): boolean {
  if (c === undefined) return false;
  const k = c.charCodeAt(0);
  return (k >= 48 && k <= 57) || (k >= 65 && k <= 90) || (k >= 97 && k <= 122) || k === 95;
}
const stopsUrl = (c: string) => c === '<' || c === '>' || c === '"' || c === "'" || c.trim() === '';
/** Before a bare `www.`: not inside an e-mail address, a longer host name or a path. */
const blocksWww = (c: string | undefined) => c !== undefined && (isWordChar(c) || '.@/:-'.includes(c));

function startsWithAt(text: string, i: number, prefix: string): boolean {
  return text.slice(i, i + prefix.length).toLowerCase() === prefix;
}

export type LinkScan = { kind: 'link'; end: number; text: string; href: string } | { kind: 'none'; skipTo: number };

/**
 * A link starting exactly at `i` and ending before `end`, or where scanning may resume without
 * finding one in the same run of non-space text (`skipTo`): a rejected candidate's run is never
 * scanned again, which is what keeps a text full of near-links linear.
 */
export function scanLink(text: string, i: number, end: number): LinkScan {
  const prev = i > 0 ? text[i - 1] : undefined;
  const www = startsWithAt(text, i, 'www.');
  const scheme = startsWithAt(text, i, 'http://') || startsWithAt(text, i, 'https://') || startsWithAt(text, i, 'mailto:');
  if ((!scheme && !www) || (scheme && isWordChar(prev)) || (www && blocksWww(prev))) return { kind: 'none', skipTo: i + 1 };
  let j = i;
  while (j < end && !stopsUrl(text[j]!)) j++;
  const runEnd = j;
  while (j > i && TRAILING.has(text[j - 1]!)) j--;
  // Keep a closing bracket that balances an opening one inside the URL (wiki-style links).
  if (j < runEnd && text[j] === ')' && text.slice(i, j).includes('(')) j++;
  const raw = text.slice(i, j);
  const mail = !www && startsWithAt(text, i, 'mailto:');
  const href = www ? wwwHref(raw) : mail && !raw.includes('@') ? null : safeHref(raw, true);
  return href ? { kind: 'link', end: j, text: raw, href } : { kind: 'none', skipTo: runEnd };
}

function wwwHref(raw: string): string | null {
  const href = safeHref(`https://${raw}`);
  return href && WWW_HOST.test(new URL(href).hostname) ? href : null;
}

/** Could a link start here? (cheap first test before scanLink) */
export function mayStartLink(c: string): boolean {
  return c === 'h' || c === 'H' || c === 'w' || c === 'W' || c === 'm' || c === 'M';
}

export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  let i = 0;
  while (i < text.length) {
    if (!mayStartLink(text[i]!)) {
      i++;
      continue;
    }
    const found = scanLink(text, i, text.length);
    if (found.kind === 'none') {
      i = found.skipTo;
      continue;
    }
    if (i > last) parts.push({ kind: 'text', text: text.slice(last, i) });
    parts.push({ kind: 'link', text: found.text, href: found.href });
    i = last = found.end;
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  return parts;
}
