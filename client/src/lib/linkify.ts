/**
 * Splits message text into plain text and links. Only http(s) URLs become links, and bare
 * `www.` hosts (`www.example.org/x`), which link as https://. Trailing punctuation stays text.
 */
export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

// A bare www. host counts only where it starts a word: not inside an e-mail address, a longer
// host name or a path (`me@www.x.org`, `a.www.x.org`, `/www.x`).
const URL_RE = /\bhttps?:\/\/[^\s<>"']+|(?<![\w.@/:-])www\.[^\s<>"']+/gi;
/** `www.` followed by at least a name and a top-level domain. */
const WWW_HOST = /^www\.[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$/i;
const TRAILING = /[.,;:!?)\]}'"]+$/;

export function safeHref(raw: string): string | null {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

function wwwHref(raw: string): string | null {
  const href = safeHref(`https://${raw}`);
  return href && WWW_HOST.test(new URL(href).hostname) ? href : null;
}

export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_RE)) {
    let raw = match[0];
    const start = match.index;
    const trailing = TRAILING.exec(raw);
    // Keep a closing bracket that balances an opening one inside the URL (wiki-style links).
    if (trailing) {
      let cut = trailing[0];
      if (cut.startsWith(')') && raw.includes('(')) cut = cut.slice(1);
      raw = raw.slice(0, raw.length - cut.length);
    }
    const href = /^www\./i.test(raw) ? wwwHref(raw) : safeHref(raw);
    if (!href) continue;
    if (start > last) parts.push({ kind: 'text', text: text.slice(last, start) });
    parts.push({ kind: 'link', text: raw, href });
    last = start + raw.length;
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  return parts;
}
