import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useSync } from '../sync/SyncProvider';
import { MAX_MESSAGE_LENGTH } from '../lib/wire';
import { SendIcon } from './Icons';

/** Typing notices go out at most this often while the user keeps typing. */
export const TYPING_THROTTLE_MS = 3_000;
/** After this long without a keystroke we say the user stopped. */
export const TYPING_IDLE_MS = 4_000;
/** The counter appears this close to the limit. */
const COUNTER_FROM = MAX_MESSAGE_LENGTH - 500;

const drafts = new Map<string, string>();

function countChars(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export function Composer({ roomId, roomName, onSent }: { roomId: string; roomName: string; onSent: () => void }) {
  const sync = useSync();
  const [text, setText] = useState(() => drafts.get(roomId) ?? '');
  const ref = useRef<HTMLTextAreaElement>(null);
  const typingSentAt = useRef(0);
  const idleTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const stopTyping = () => {
    if (idleTimer.current) clearTimeout(idleTimer.current);
    idleTimer.current = null;
    if (typingSentAt.current) {
      typingSentAt.current = 0;
      sync.sendTyping(roomId, false);
    }
  };

  useEffect(() => {
    setText(drafts.get(roomId) ?? '');
    // With a mouse and keyboard, opening a room puts the cursor in the composer (not on touch
    // screens, where that would pop the keyboard up).
    if (window.matchMedia?.('(pointer: fine)').matches) ref.current?.focus({ preventScroll: true });
    return () => {
      if (idleTimer.current) clearTimeout(idleTimer.current);
      if (typingSentAt.current) sync.sendTyping(roomId, false);
      typingSentAt.current = 0;
    };
  }, [roomId]);

  // Grow with the text, up to a limit.
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, 200)}px`;
  }, [text]);

  const trimmed = text.trim();
  // The server counts Unicode code points after trimming.
  const length = countChars(trimmed);
  const tooLong = length > MAX_MESSAGE_LENGTH;

  const change = (value: string) => {
    setText(value);
    drafts.set(roomId, value);
    if (!value.trim()) {
      stopTyping();
      return;
    }
    const now = Date.now();
    if (now - typingSentAt.current > TYPING_THROTTLE_MS) {
      typingSentAt.current = now;
      sync.sendTyping(roomId, true);
    }
    if (idleTimer.current) clearTimeout(idleTimer.current);
    idleTimer.current = setTimeout(stopTyping, TYPING_IDLE_MS);
  };

  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    if (!trimmed || tooLong) return;
    sync.sendMessage(roomId, trimmed);
    stopTyping();
    setText('');
    drafts.delete(roomId);
    onSent();
    ref.current?.focus();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    }
  };

  return (
    <form onSubmit={submit} className="px-3 pb-[max(0.75rem,env(safe-area-inset-bottom))] sm:px-4" data-testid="composer">
      <div className="flex items-end gap-2 rounded-2xl border border-zinc-300 bg-white p-1.5 pl-3 focus-within:border-indigo-500 focus-within:ring-2 focus-within:ring-indigo-500/30 dark:border-zinc-700 dark:bg-zinc-900">
        <label htmlFor="composer-input" className="sr-only">
          Message {roomName}
        </label>
        <textarea
          id="composer-input"
          ref={ref}
          rows={1}
          value={text}
          onChange={(e) => change(e.target.value)}
          onKeyDown={onKeyDown}
          onBlur={stopTyping}
          placeholder={`Message ${roomName}`}
          className="max-h-[200px] min-h-9 flex-1 resize-none bg-transparent py-1.5 text-base leading-6 outline-none placeholder:text-zinc-500 sm:text-sm dark:placeholder:text-zinc-400"
          aria-describedby="composer-hint"
          aria-invalid={tooLong || undefined}
          enterKeyHint="send"
        />
        {length >= COUNTER_FROM && (
          <span
            className={`self-center text-xs tabular-nums ${tooLong ? 'font-semibold text-red-700 dark:text-red-400' : 'text-zinc-600 dark:text-zinc-400'}`}
            aria-live="polite"
            data-testid="char-counter"
          >
            {MAX_MESSAGE_LENGTH - length}
            <span className="sr-only"> characters left</span>
          </span>
        )}
        <button
          type="submit"
          className="inline-flex h-9 w-9 shrink-0 items-center justify-center rounded-xl bg-indigo-600 text-white transition-colors hover:bg-indigo-700 disabled:bg-zinc-300 disabled:text-zinc-600 dark:disabled:bg-zinc-800 dark:disabled:text-zinc-400"
          disabled={!trimmed || tooLong}
          aria-label="Send message"
        >
          <SendIcon width={18} height={18} />
        </button>
      </div>
      <p id="composer-hint" className="sr-only">
        Enter sends, Shift+Enter adds a new line.
      </p>
    </form>
  );
}
