import type { Suggestion } from '../lib/mention-complete';

/**
 * The listbox under the composer while an `@name` is typed. Focus stays in the composer, which
 * points at the active option with aria-activedescendant; a click picks an option too.
 */
export function MentionSuggestions({
  id,
  suggestions,
  active,
  onPick,
}: {
  id: string;
  suggestions: Suggestion[];
  active: number;
  onPick: (name: string) => void;
}) {
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
          aria-selected={i === active}
          className={`cursor-pointer truncate rounded-lg px-3 py-1.5 text-sm ${
            i === active ? 'bg-indigo-600 text-white' : 'text-zinc-800 hover:bg-zinc-100 dark:text-zinc-200 dark:hover:bg-zinc-800'
          }`}
          onPointerDown={(e) => e.preventDefault()}
          onClick={() => onPick(s.name)}
        >
          @{s.label}
        </li>
      ))}
    </ul>
  );
}
