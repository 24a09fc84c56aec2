import { lazy, Suspense, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { Message } from '../lib/wire';
import { useStore } from '../store';
import { useSync } from '../sync/SyncProvider';
import { Dialog } from './Dialog';
import { MoreIcon, PencilIcon, ReplyIcon, SmileIcon, TrashIcon } from './Icons';
import { Popover } from './Popover';

/** In its own chunk: the initial bundle never carries the picker or its emoji list. */
const EmojiPicker = lazy(() => import('./EmojiPicker'));

/** A touch held this long opens the actions menu. */
export const LONG_PRESS_MS = 500;

type Open = null | 'menu' | 'picker';

/**
 * The actions on a sent message: a toolbar shown on hover or when the message holds focus
 * (quick React and Reply for the mouse, out of the Tab order), and one "Message actions" menu
 * button per message in the Tab order, whose menu holds every action (keyboard and screen
 * readers); a long press on touch opens the same menu. Delete asks first.
 */
export function MessageActions({
  message,
  canEdit,
  canDelete,
  longPress,
}: {
  message: Message;
  canEdit: boolean;
  canDelete: boolean;
  /** Bumped by the row on a long press. */
  longPress: number;
}) {
  const sync = useSync();
  const [open, setOpen] = useState<Open>(null);
  const [confirming, setConfirming] = useState(false);
  const moreRef = useRef<HTMLButtonElement>(null);
  const setReplyDraft = useStore((s) => s.setReplyDraft);
  const setEditing = useStore((s) => s.setEditing);

  useEffect(() => {
    if (longPress > 0) setOpen('menu');
  }, [longPress]);

  const close = () => setOpen(null);
  const reply = () => {
    close();
    setReplyDraft(message.roomId, message);
    document.getElementById('composer-input')?.focus();
  };
  const edit = () => {
    close();
    setEditing({ roomId: message.roomId, messageId: message.id });
  };
  const react = (emoji: string) => {
    close();
    void sync.messages.toggleReaction(message, emoji);
    moreRef.current?.focus();
  };

  const items: { label: string; icon: typeof ReplyIcon; run: () => void; danger?: boolean }[] = [
    { label: 'Add reaction', icon: SmileIcon, run: () => setOpen('picker') },
    { label: 'Reply', icon: ReplyIcon, run: reply },
    ...(canEdit ? [{ label: 'Edit', icon: PencilIcon, run: edit }] : []),
    ...(canDelete ? [{ label: 'Delete', icon: TrashIcon, run: () => (close(), setConfirming(true)), danger: true }] : []),
  ];

  return (
    <>
      <div
        className={`absolute -top-3 right-3 z-10 flex items-center rounded-lg border border-zinc-200 bg-white shadow-sm group-focus-within:opacity-100 group-hover:opacity-100 dark:border-zinc-700 dark:bg-zinc-900 ${
          open ? 'opacity-100' : 'opacity-0'
        }`}
        data-testid="message-toolbar"
      >
        <button
          type="button"
          tabIndex={-1}
          className="icon-btn h-8 w-8"
          aria-label="Add reaction"
          title="Add reaction"
          onClick={() => setOpen(open === 'picker' ? null : 'picker')}
        >
          <SmileIcon width={17} height={17} />
        </button>
        <button type="button" tabIndex={-1} className="icon-btn h-8 w-8" aria-label="Reply" title="Reply" onClick={reply}>
          <ReplyIcon width={17} height={17} />
        </button>
        <button
          ref={moreRef}
          type="button"
          className="icon-btn h-8 w-8"
          aria-label={`Message actions, ${message.author.username}`}
          title="More actions"
          aria-haspopup="menu"
          aria-expanded={open === 'menu'}
          onClick={() => setOpen(open === 'menu' ? null : 'menu')}
          data-testid="message-actions"
        >
          <MoreIcon width={17} height={17} />
        </button>
      </div>
      {open === 'menu' && moreRef.current && (
        <Popover anchor={moreRef.current} onClose={close} label="Message actions" role="menu">
          <ActionMenu items={items} onClose={close} />
        </Popover>
      )}
      {open === 'picker' && moreRef.current && (
        <Popover anchor={moreRef.current} onClose={close} label="Pick a reaction">
          <Suspense fallback={<p className="p-3 text-sm">Loading…</p>}>
            <EmojiPicker onPick={react} />
          </Suspense>
        </Popover>
      )}
      {confirming && (
        <Dialog title="Delete message?" description="Everyone in the room will see that a message was deleted." onClose={() => setConfirming(false)}>
          <p className="mb-4 line-clamp-3 rounded-lg bg-zinc-100 p-2 text-sm break-words dark:bg-zinc-800">{message.body}</p>
          <div className="flex justify-end gap-2">
            <button type="button" className="btn-ghost" onClick={() => setConfirming(false)} autoFocus>
              Cancel
            </button>
            <button
              type="button"
              className="btn bg-red-600 text-white hover:bg-red-700"
              onClick={() => {
                setConfirming(false);
                void sync.messages.remove(message);
              }}
            >
              Delete
            </button>
          </div>
        </Dialog>
      )}
    </>
  );
}

/** role="menu": the first item takes focus, arrows move, Tab leaves (closing it). */
function ActionMenu({ items, onClose }: { items: { label: string; icon: typeof ReplyIcon; run: () => void; danger?: boolean }[]; onClose: () => void }) {
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
