/**
 * Reaction emoji: exactly one RGI emoji (Unicode's recommended-for-general-interchange set: what
 * every platform draws as one emoji), one grapheme, never text. A form missing its emoji
 * presentation selector (U+FE0F, e.g. a bare "❤") is normalised to the RGI form, so "❤" and "❤️"
 * are the same reaction.
 */
const RGI_EMOJI = new RegExp('^\\p{RGI_Emoji}$', 'v');
const VS16 = '\uFE0F';
const KEYCAP = '\u20E3';
const ZWJ = '\u200D';
const NEEDS_VS16 = new RegExp('^[\\p{Emoji}--\\p{Emoji_Presentation}--\\p{Emoji_Modifier}]$', 'v');
const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** Longest input considered (the longest RGI sequences are far shorter). */
export const EMOJI_MAX_LENGTH = 64;

function isOneGrapheme(value: string): boolean {
  const it = segmenter.segment(value)[Symbol.iterator]();
  return !it.next().done && it.next().done === true;
}

/** Adds U+FE0F after every code point that needs it for emoji presentation (not before a ZWJ-less modifier). */
function withPresentationSelectors(value: string): string {
  const cps = [...value.replaceAll(VS16, '')];
  let out = '';
  for (let i = 0; i < cps.length; i++) {
    const cp = cps[i]!;
    out += cp;
    const next = cps[i + 1];
    if (NEEDS_VS16.test(cp) && (next === undefined || next === ZWJ || next === KEYCAP)) out += VS16;
  }
  return out;
}

/** The emoji in its RGI form, or null when the value is not exactly one emoji. */
export function normalizeEmoji(raw: string): string | null {
  if (!raw || raw.length > EMOJI_MAX_LENGTH) return null;
  const value = raw.normalize('NFC');
  if (!isOneGrapheme(value)) return null;
  if (RGI_EMOJI.test(value)) return value;
  const fixed = withPresentationSelectors(value);
  return fixed !== value && isOneGrapheme(fixed) && RGI_EMOJI.test(fixed) ? fixed : null;
}
