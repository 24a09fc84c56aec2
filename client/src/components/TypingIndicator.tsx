import { typingLine } from '../lib/format';
import { useStore } from '../store';

const NONE: never[] = [];

export function TypingIndicator({ roomId }: { roomId: string }) {
  const entries = useStore((s) => s.typing[roomId] ?? NONE);
  const text = typingLine(entries.map((e) => e.user.username));
  return (
    <div className="h-5 truncate px-4 text-xs text-zinc-600 sm:px-5 dark:text-zinc-400" data-testid="typing-indicator">
      {text && (
        <span className="inline-flex items-center gap-1.5">
          <span className="inline-flex gap-0.5" aria-hidden="true">
            <span className="h-1 w-1 animate-bounce rounded-full bg-current [animation-delay:-0.3s]" />
            <span className="h-1 w-1 animate-bounce rounded-full bg-current [animation-delay:-0.15s]" />
            <span className="h-1 w-1 animate-bounce rounded-full bg-current" />
          </span>
          {text}
        </span>
      )}
    </div>
  );
}
