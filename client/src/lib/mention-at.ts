import { isWordChar } from './linkify';

/** Where the composer's `@query` under the caret is (the rest of the autocomplete, mention-complete.ts, loads with its listbox). */

const NAME_MAX = 32;

export interface MentionQuery {
  /** Index of the `@`. */
  start: number;
  /** What was typed after it (may be empty). */
  query: string;
}

/** The `@word` that ends at the caret, if the caret is in one. */
export function mentionAt(text: string, caret: number): MentionQuery | null {
  let i = caret;
  while (i > 0 && caret - i <= NAME_MAX && isWordChar(text[i - 1])) i--;
  if (i === 0 || text[i - 1] !== '@') return null;
  const at = i - 1;
  if (at > 0 && (isWordChar(text[at - 1]) || text[at - 1] === '@')) return null; // an e-mail address
  return { start: at, query: text.slice(i, caret) };
}
