import type { MentionQuery } from './mention-at';
import type { Member, Role } from './wire';

export { mentionAt, type MentionQuery } from './mention-at';

/**
 * The composer's @-autocomplete, as pure functions: where the `@query` under the caret is, which
 * members match it, and the text after picking one. The component (MentionSuggestions) only
 * renders the listbox and moves `active`.
 */

export const MAX_SUGGESTIONS = 8;

export interface Suggestion {
  /** What goes after the `@`. */
  name: string;
  label: string;
  /** The member (absent for `@room`), for their avatar. */
  user?: Member['user'];
}

/**
 * Members whose username starts with the query first, then those containing it, alphabetical
 * within each; never the writer; `@room` for owners and moderators.
 */
export function suggest(members: readonly Member[], query: string, me: string | undefined, myRole: Role | undefined): Suggestion[] {
  const q = query.toLowerCase();
  const starts: Member[] = [];
  const contains: Member[] = [];
  for (const m of members) {
    if (m.user.id === me) continue;
    const name = m.user.username.toLowerCase();
    if (name.startsWith(q)) starts.push(m);
    else if (q && name.includes(q)) contains.push(m);
  }
  const byName = (a: Member, b: Member) => a.user.username.localeCompare(b.user.username);
  const out: Suggestion[] = [...starts.sort(byName), ...contains.sort(byName)].map((m) => ({
    name: m.user.username,
    label: m.user.username,
    user: m.user,
  }));
  if ((myRole === 'owner' || myRole === 'moderator') && 'room'.startsWith(q)) {
    out.unshift({ name: 'room', label: 'room (everyone here)' });
  }
  return out.slice(0, MAX_SUGGESTIONS);
}

/** The text with `@query` replaced by `@name ` and where the caret goes. */
export function complete(text: string, at: MentionQuery, caret: number, name: string): { text: string; caret: number } {
  const before = text.slice(0, at.start);
  const after = text.slice(caret);
  const insert = `@${name}${after.startsWith(' ') ? '' : ' '}`;
  return { text: before + insert + after, caret: before.length + insert.length + (after.startsWith(' ') ? 1 : 0) };
}
