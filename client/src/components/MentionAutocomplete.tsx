import { useEffect, useId, useMemo, useState, type KeyboardEvent, type MutableRefObject } from 'react';
import { useRoomMembers } from '../hooks/use-room-members';
import { listboxKey } from '../lib/listbox';
import { complete, suggest, type MentionQuery } from '../lib/mention-complete';
import { useStore } from '../store';
import { Avatar } from './Avatar';

/**
 * The composer's @-autocomplete (lazy-loaded once an `@` is typed): the listbox of matching
 * members under the composer. Focus stays in the composer, which points at the active option with
 * aria-activedescendant (reported through `onAria`); the composer forwards its keys to `keyRef`
 * first: arrows move, Enter or Tab picks, Escape closes until the next keystroke.
 */
export interface ComposerAria {
  controls: string;
  activeId: string;
}

export default function MentionAutocomplete({
  roomId,
  text,
  caret,
  query,
  onComplete,
  keyRef,
  onAria,
}: {
  roomId: string;
  text: string;
  caret: number;
  query: MentionQuery;
  onComplete: (text: string, caret: number) => void;
  keyRef: MutableRefObject<((e: KeyboardEvent<HTMLTextAreaElement>) => boolean) | null>;
  onAria: (aria: ComposerAria | null) => void;
}) {
  const id = useId();
  const me = useStore((s) => s.user?.id);
  const role = useStore((s) => s.rooms[roomId]?.role);
  const { members } = useRoomMembers(roomId, true);
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState<string | null>(null);
  const key = `${query.start}:${text}`;
  const suggestions = useMemo(() => (members ? suggest(members, query.query, me, role) : []), [members, query.query, me, role]);
  const shown = dismissed !== key && suggestions.length > 0;
  const current = Math.min(active, suggestions.length - 1);

  useEffect(() => setActive(0), [query.query]);
  useEffect(() => {
    onAria(shown ? { controls: id, activeId: `${id}-${current}` } : null);
  }, [shown, current, id, onAria]);
  useEffect(() => () => onAria(null), [onAria]);

  const pick = (name: string) => {
    const next = complete(text, query, caret, name);
    onComplete(next.text, next.caret);
  };
  keyRef.current = (e) => {
    if (!shown || e.shiftKey) return false;
    const r = listboxKey(e.key, current, suggestions.length, { tabPicks: true });
    if (!r) return false;
    e.preventDefault();
    if (r.kind === 'move') setActive(r.active);
    else if (r.kind === 'pick') pick(suggestions[current]!.name);
    else setDismissed(key);
    return true;
  };
  useEffect(
    () => () => {
      keyRef.current = null;
    },
    [keyRef],
  );

  if (!shown) return null;
  return (
    <ul
      id={id}
      role="listbox"
      aria-label="Mention someone"
      className="absolute bottom-full left-3 z-20 mb-1 max-h-60 w-64 overflow-y-auto rounded-xl border border-zinc-200 bg-white p-1 shadow-xl sm:left-4 dark:border-zinc-700 dark:bg-zinc-900"
      data-testid="mention-suggestions"
    >
      {suggestions.map((s, i) => (
        <li
          key={s.name}
          id={`${id}-${i}`}
          role="option"
          aria-selected={i === current}
          className={`flex cursor-pointer items-center gap-2 truncate rounded-lg px-2 py-1.5 text-sm ${
            i === current ? 'bg-indigo-600 text-white' : 'text-zinc-800 hover:bg-zinc-100 dark:text-zinc-200 dark:hover:bg-zinc-800'
          }`}
          onPointerDown={(e) => e.preventDefault()}
          onClick={() => pick(s.name)}
        >
          {s.user ? <Avatar user={s.user} size={20} /> : <span className="inline-block h-5 w-5 shrink-0" aria-hidden="true" />}
          <span className="truncate">@{s.label}</span>
        </li>
      ))}
    </ul>
  );
}
