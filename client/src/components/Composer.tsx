import { lazy, Suspense, useEffect, useRef, useState, type ClipboardEvent, type FormEvent, type KeyboardEvent } from 'react';
import type { Uploads } from '../hooks/use-uploads';
import { isDeleted } from '../lib/log-apply';
import { mentionAt } from '../lib/mention-at';
import { MAX_MESSAGE_LENGTH } from '../lib/wire';
import { useStore } from '../store';
import { useSync } from '../sync/SyncProvider';
import { CloseIcon, PaperclipIcon, ReplyIcon, SendIcon } from './Icons';
import type { ComposerAria } from './MentionAutocomplete';

/** Loaded when an `@` is first typed: not part of the initial bundle. */
const MentionAutocomplete = lazy(() => import('./MentionAutocomplete'));
/** Loaded with the first file: not part of the initial bundle. */
const ComposerTray = lazy(() => import('./ComposerTray'));
/** Slow mode's hint and countdown: only in rooms that have it, for members. */
const SlowModeHint = lazy(() => import('./SlowModeHint'));

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

export function Composer({
  roomId,
  roomName,
  onSent,
  uploads,
}: {
  roomId: string;
  roomName: string;
  onSent: () => void;
  /** The room's files (the room page owns them, so a drop anywhere on the room adds one). */
  uploads: Uploads;
}) {
  const sync = useSync();
  const fileInput = useRef<HTMLInputElement>(null);
  const [text, setText] = useState(() => drafts.get(roomId) ?? '');
  const ref = useRef<HTMLTextAreaElement>(null);
  const typingSentAt = useRef(0);
  const [caret, setCaret] = useState(0);
  const [aria, setAria] = useState<ComposerAria | null>(null);
  const autocompleteKeys = useRef<((e: KeyboardEvent<HTMLTextAreaElement>) => boolean) | null>(null);
  const reply = useStore((s) => s.replyDrafts[roomId]);
  const setReplyDraft = useStore((s) => s.setReplyDraft);
  const me = useStore((s) => s.user);
  const slowSec = useStore((s) => s.rooms[roomId]?.slowModeSec);
  const [sentAt, setSentAt] = useState(0);

  // The @-autocomplete opens while the caret is in an `@name`.
  const query = mentionAt(text, caret);
  const completed = (next: string, at: number) => {
    change(next);
    setCaret(at);
    requestAnimationFrame(() => ref.current?.setSelectionRange(at, at));
  };
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
  const ready = uploads.items.some((u) => u.status === 'done');
  // A message waits for its uploads: sending is possible once none is still in flight.
  const canSend = (!!trimmed || ready) && !tooLong && !uploads.busy;

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
    if (!canSend) return;
    sync.sendMessage(roomId, trimmed, reply?.id, uploads.take());
    setReplyDraft(roomId, null);
    stopTyping();
    setText('');
    drafts.delete(roomId);
    setSentAt(Date.now());
    onSent();
    ref.current?.focus();
  };

  /** Up in an empty composer edits the writer's last message in this room. */
  const editLast = (): boolean => {
    const s = useStore.getState();
    const list = s.timelines[roomId]?.messages ?? [];
    for (let i = list.length - 1; i >= 0; i--) {
      const m = list[i]!;
      if (m.author.id === me?.id && !isDeleted(m)) {
        s.setEditing({ roomId, messageId: m.id });
        return true;
      }
    }
    return false;
  };

  /** Files pasted (a screenshot) join the tray; pasted text is left to the textarea. */
  const onPaste = (e: ClipboardEvent<HTMLTextAreaElement>) => {
    const files = [...e.clipboardData.files];
    if (!files.length) return;
    e.preventDefault();
    uploads.add(files);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (autocompleteKeys.current?.(e)) return;
    if (e.key === 'ArrowUp' && text === '' && editLast()) {
      e.preventDefault();
      return;
    }
    if (e.key === 'Escape' && reply) {
      e.preventDefault();
      setReplyDraft(roomId, null);
      return;
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    }
  };

  return (
    <form onSubmit={submit} className="relative px-3 pb-[max(0.75rem,env(safe-area-inset-bottom))] sm:px-4" data-testid="composer">
      {!!slowSec && (
        <Suspense fallback={null}>
          <SlowModeHint roomId={roomId} sentAt={sentAt} />
        </Suspense>
      )}
      {query && (
        <Suspense fallback={null}>
          <MentionAutocomplete
            roomId={roomId}
            text={text}
            caret={caret}
            query={query}
            onComplete={completed}
            keyRef={autocompleteKeys}
            onAria={setAria}
          />
        </Suspense>
      )}
      {reply && (
        <div className="mb-1 flex items-center gap-2 rounded-lg bg-zinc-100 px-3 py-1 text-xs text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300" data-testid="reply-bar">
          <ReplyIcon width={14} height={14} />
          <span className="min-w-0 flex-1 truncate">
            Replying to <span className="font-semibold">{reply.author.username}</span>: {reply.body}
          </span>
          <button type="button" className="icon-btn h-6 w-6" aria-label="Cancel reply" onClick={() => setReplyDraft(roomId, null)}>
            <CloseIcon width={14} height={14} />
          </button>
        </div>
      )}
      {uploads.items.length > 0 && (
        <Suspense fallback={null}>
          <ComposerTray uploads={uploads} />
        </Suspense>
      )}
      <div className="flex items-end gap-2 rounded-2xl border border-zinc-300 bg-white p-1.5 pl-1.5 focus-within:border-indigo-500 focus-within:ring-2 focus-within:ring-indigo-500/30 dark:border-zinc-700 dark:bg-zinc-900">
        <button
          type="button"
          className="icon-btn h-9 w-9 shrink-0"
          aria-label="Attach files"
          title={me?.isGuest ? 'Guests cannot attach files' : 'Attach files'}
          disabled={me?.isGuest}
          onClick={() => fileInput.current?.click()}
        >
          <PaperclipIcon width={18} height={18} />
        </button>
        <input
          ref={fileInput}
          type="file"
          multiple
          className="hidden"
          tabIndex={-1}
          aria-hidden="true"
          data-testid="file-input"
          onChange={(e) => {
            if (e.target.files) uploads.add([...e.target.files]);
            e.target.value = '';
          }}
        />
        <label htmlFor="composer-input" className="sr-only">
          Message {roomName}
        </label>
        <textarea
          id="composer-input"
          ref={ref}
          rows={1}
          value={text}
          onChange={(e) => {
            change(e.target.value);
            setCaret(e.target.selectionStart);
          }}
          onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
          aria-autocomplete="list"
          aria-controls={aria?.controls}
          aria-activedescendant={aria?.activeId}
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
          disabled={!canSend}
          aria-label="Send message"
        >
          <SendIcon width={18} height={18} />
        </button>
      </div>
      <p id="composer-hint" className="sr-only">
        Enter sends, Shift+Enter adds a new line, Up edits your last message, @ mentions someone. {me?.isGuest ? 'Guests cannot attach files.' : 'Paste or drop files to attach them.'}
      </p>
    </form>
  );
}
