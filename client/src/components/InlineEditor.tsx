import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { MAX_MESSAGE_LENGTH, type Message } from '../lib/wire';
import { useSync } from '../sync/SyncProvider';

/** Edit in place: Enter saves, Shift+Enter is a new line, Escape cancels. */
export default function InlineEditor({ message, onDone }: { message: Message; onDone: () => void }) {
  const sync = useSync();
  const [text, setText] = useState(message.body);
  const [busy, setBusy] = useState(false);
  const ref = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, []);
  const trimmed = text.trim();
  const save = async () => {
    if (!trimmed || busy || [...trimmed].length > MAX_MESSAGE_LENGTH) return;
    if (trimmed === message.body) return onDone();
    setBusy(true);
    const ok = await sync.messages.edit(message, trimmed);
    setBusy(false);
    if (ok) onDone();
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      onDone();
    } else if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void save();
    }
  };
  return (
    <div className="mt-0.5" data-testid="message-editor">
      <label className="sr-only" htmlFor={`edit-${message.id}`}>
        Edit message
      </label>
      <textarea
        id={`edit-${message.id}`}
        ref={ref}
        value={text}
        rows={Math.min(8, text.split('\n').length)}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
        disabled={busy}
        className="field resize-none"
        aria-describedby={`edit-hint-${message.id}`}
      />
      <p id={`edit-hint-${message.id}`} className="mt-1 text-xs text-zinc-600 dark:text-zinc-400">
        Escape to <button type="button" className="underline" onClick={onDone}>cancel</button> · Enter to{' '}
        <button type="button" className="underline" onClick={() => void save()}>
          save
        </button>
      </p>
    </div>
  );
}
