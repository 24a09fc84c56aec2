/**
 * The comparison key of a public room name: two names with the same key look alike and cannot
 * both be public. It is the Unicode TR39 skeleton (confusables.txt, shipped by `unhomoglyph`, no
 * download at run time) of the NFKC, case-folded name without invisible characters, taken twice
 * around case folding so that both cases of a look-alike meet: Cyrillic "Оре" and Latin "ope",
 * "Room0" and "roomo", "I", "l" and "1" all share one key. The key is stored (rooms.name_key),
 * never shown.
 */
import unhomoglyph from 'unhomoglyph';
import { stripIgnorable } from './text.js';

/** Full case folding, near enough: upper then lower also folds ß -> ss and ﬀ -> ff. */
const fold = (value: string): string => value.toUpperCase().toLowerCase();

export function roomNameKey(name: string): string {
  const base = stripIgnorable(name.normalize('NFKC')).replace(/\p{White_Space}+/gu, ' ').trim();
  const once = fold(unhomoglyph(base.normalize('NFD')));
  return fold(unhomoglyph(once)).normalize('NFD');
}
