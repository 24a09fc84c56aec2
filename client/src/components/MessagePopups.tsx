import { lazy, Suspense, useEffect, useRef, type KeyboardEvent } from 'react';
import { Dialog } from './Dialog';
import type { ReplyIcon } from './Icons';
import { Popover } from './Popover';

/**
 * What a message's actions open: the actions menu, the emoji picker (its own chunk again, with
 * the emoji list) and the delete confirmation. Lazy-loaded by MessageActions on first use.
 */
const EmojiPicker = lazy(() => import('./EmojiPicker'));

export type OpenPopup = null | 'menu' | 'picker';
export interface MenuItem {
  label: string;
  icon: typeof ReplyIcon;
  run: () => void;
  danger?: boolean;
}

export default function MessagePopups({
  open,
  anchor,
  items,
  onClose,
  onReact,
  confirming,
  onConfirmed,
  body,
}: {
  open: OpenPopup;
  anchor: HTMLElement;
  items: MenuItem[];
  onClose: () => void;
  onReact: (emoji: string) => void;
  confirming: boolean;
  onConfirmed: (yes: boolean) => void;
  body: string;
}) {
  return (
    <>
      {open === 'menu' && (
        <Popover anchor={anchor} onClose={onClose} label="Message actions" role="menu">
          <ActionMenu items={items} onClose={onClose} />
        </Popover>
      )}
      {open === 'picker' && (
        <Popover anchor={anchor} onClose={onClose} label="Pick a reaction">
          <Suspense fallback={<p className="p-3 text-sm">Loading…</p>}>
            <EmojiPicker onPick={onReact} />
          </Suspense>
        </Popover>
      )}
      {confirming && (
        <Dialog title="Delete message?" description="Everyone in the room will see that a message was deleted." onClose={() => onConfirmed(false)}>
          <p className="mb-4 line-clamp-3 rounded-lg bg-zinc-100 p-2 text-sm break-words dark:bg-zinc-800">{body}</p>
          <div className="flex justify-end gap-2">
            <button type="button" className="btn-ghost" onClick={() => onConfirmed(false)} autoFocus>
              Cancel
            </button>
            <button type="button" className="btn bg-red-600 text-white hover:bg-red-700" onClick={() => onConfirmed(true)}>
              Delete
            </button>
          </div>
        </Dialog>
      )}
    </>
  );
}

/** role="menu": the first item takes focus, arrows move, Tab leaves (closing it). */
function ActionMenu({ items, onClose }: { items: MenuItem[]; onClose: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
  }, []);
  const onKeyDown = (e: KeyboardEvent) => {
    const all = [...(ref.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
    const i = all.indexOf(document.activeElement as HTMLElement);
    const to = (k: number) => all[(k + all.length) % all.length]?.focus();
    if (e.key === 'ArrowDown') to(i + 1);
    else if (e.key === 'ArrowUp') to(i - 1);
    else if (e.key === 'Home') to(0);
    else if (e.key === 'End') to(all.length - 1);
    else if (e.key === 'Tab') onClose();
    else return;
    if (e.key !== 'Tab') e.preventDefault();
  };
  return (
    <div ref={ref} className="flex min-w-40 flex-col" onKeyDown={onKeyDown}>
      {items.map(({ label, icon: Icon, run, danger }) => (
        <button
          key={label}
          type="button"
          role="menuitem"
          tabIndex={-1}
          className={`flex items-center gap-2 rounded-lg px-3 py-2 text-left text-sm hover:bg-zinc-100 focus:bg-zinc-100 dark:hover:bg-zinc-800 dark:focus:bg-zinc-800 ${
            danger ? 'text-red-700 dark:text-red-300' : ''
          }`}
          onClick={run}
        >
          <Icon width={16} height={16} /> {label}
        </button>
      ))}
    </div>
  );
}
