import { useId, useMemo, useState, type KeyboardEvent } from 'react';
import { DEFAULT_FREQUENT, EMOJI } from '../lib/emoji-data';
import { frequentEmoji, recordEmoji } from '../lib/emoji-frequent';
import { listboxKey } from '../lib/listbox';

/**
 * The emoji picker (lazy-loaded: `lazy(() => import('./EmojiPicker'))`). The search field keeps
 * focus; arrows move the active emoji in the grid (aria-activedescendant), Enter picks it, Escape
 * closes (handled by the surrounding Popover). Frequent emoji come first while nothing is typed.
 */
const COLUMNS = 8;

export default function EmojiPicker({ onPick }: { onPick: (emoji: string) => void }) {
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const id = useId();
  const list = useMemo(() => {
    const q = query.trim().toLowerCase();
    if (!q) {
      const frequent = frequentEmoji(DEFAULT_FREQUENT, COLUMNS);
      return [...frequent, ...EMOJI.map((e) => e.emoji).filter((e) => !frequent.includes(e))];
    }
    return EMOJI.filter((e) => e.words.split(' ').some((w) => w.startsWith(q))).map((e) => e.emoji);
  }, [query]);
  const nameOf = useMemo(() => new Map(EMOJI.map((e) => [e.emoji, e.words.split(' ')[0]!])), []);

  const pick = (emoji: string) => {
    recordEmoji(emoji);
    onPick(emoji);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    const r = listboxKey(e.key, active, list.length, { columns: COLUMNS });
    if (!r || r.kind === 'close') return; // Escape: the popover closes
    e.preventDefault();
    if (r.kind === 'move') setActive(r.active);
    else if (list[active]) pick(list[active]);
  };

  return (
    <div className="w-72 p-1" data-testid="emoji-picker">
      <input
        type="search"
        className="field mb-2 py-1.5"
        placeholder="Search emoji"
        aria-label="Search emoji"
        role="combobox"
        aria-expanded="true"
        aria-controls={`${id}-list`}
        aria-activedescendant={list[active] ? `${id}-${active}` : undefined}
        autoFocus
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setActive(0);
        }}
        onKeyDown={onKeyDown}
      />
      {list.length === 0 ? (
        <p className="px-2 py-3 text-center text-sm text-zinc-600 dark:text-zinc-400">No emoji found</p>
      ) : (
        <div
          id={`${id}-list`}
          role="listbox"
          aria-label={query ? 'Matching emoji' : 'Frequent emoji first'}
          className="grid max-h-56 grid-cols-8 gap-0.5 overflow-y-auto"
        >
          {list.map((emoji, i) => (
            <div
              key={emoji}
              id={`${id}-${i}`}
              role="option"
              aria-selected={i === active}
              aria-label={nameOf.get(emoji) ?? emoji}
              title={nameOf.get(emoji)}
              className={`flex h-8 w-8 cursor-pointer items-center justify-center rounded-md text-xl ${
                i === active ? 'bg-indigo-100 ring-2 ring-indigo-500 dark:bg-indigo-500/30' : 'hover:bg-zinc-100 dark:hover:bg-zinc-800'
              }`}
              onPointerDown={(e) => e.preventDefault()}
              onClick={() => pick(emoji)}
            >
              {emoji}
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
