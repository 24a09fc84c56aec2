import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import type { Message } from '../lib/wire';
import { useStore } from '../store';
import { useSync } from '../sync/SyncProvider';
import { MoreIcon, PencilIcon, ReplyIcon, SmileIcon, TrashIcon } from './Icons';
import type { MenuItem, OpenPopup } from './MessagePopups';

/** In their own chunk: the initial bundle never carries the menu, the picker or the emoji list. */
const MessagePopups = lazy(() => import('./MessagePopups'));

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
  const [open, setOpen] = useState<OpenPopup>(null);
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

  const items: MenuItem[] = [
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
      {(open || confirming) && moreRef.current && (
        <Suspense fallback={null}>
          <MessagePopups
            open={open}
            anchor={moreRef.current}
            items={items}
            onClose={close}
            onReact={react}
            confirming={confirming}
            onConfirmed={(yes) => {
              setConfirming(false);
              if (yes) void sync.messages.remove(message);
            }}
            body={message.body}
          />
        </Suspense>
      )}
    </>
  );
}

export default MessageActions;
