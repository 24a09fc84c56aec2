import { formatFull } from '../lib/format';
import type { Message, Reaction, ReplyTo } from '../lib/wire';
import { useStore } from '../store';
import { useSync } from '../sync/SyncProvider';
import { ReplyIcon } from './Icons';

/** The pieces of a sent message beside its body: reply quote, reactions, edit marker, editor. */

export function ReplyQuote({ roomId, reply }: { roomId: string; reply: ReplyTo }) {
  const sync = useSync();
  const inner = (
    <>
      <ReplyIcon width={14} height={14} className="shrink-0" />
      {reply.deleted ? (
        <span className="italic">Original message deleted</span>
      ) : (
        <>
          <span className="sr-only">In reply to </span>
          <span className="shrink-0 font-semibold">{reply.author.username}</span>
          <span className="truncate">{reply.excerpt}</span>
        </>
      )}
    </>
  );
  const cls = 'mb-0.5 flex max-w-full items-center gap-1.5 rounded-md border-l-2 border-zinc-300 bg-zinc-50 px-2 py-0.5 text-xs text-zinc-700 dark:border-zinc-600 dark:bg-zinc-900 dark:text-zinc-300';
  if (reply.deleted) return <div className={cls}>{inner}</div>;
  return (
    <button
      type="button"
      className={`${cls} text-left hover:bg-zinc-100 dark:hover:bg-zinc-800`}
      onClick={() => void sync.jumpTo(roomId, reply.seq)}
      title="Show the original message"
      data-testid="reply-quote"
    >
      {inner}
    </button>
  );
}

/** Usernames by id, from the room's members and the authors of held messages. */
function useNames(roomId: string): (id: string) => string | undefined {
  const members = useStore((s) => s.members[roomId]);
  const messages = useStore((s) => s.timelines[roomId]?.messages);
  return (id: string) => members?.find((m) => m.user.id === id)?.user.username ?? messages?.find((m) => m.author.id === id)?.author.username;
}

export function whoReacted(r: Reaction, nameOf: (id: string) => string | undefined, meId: string | undefined): string {
  const names = r.userIds.map((id) => (id === meId ? 'you' : nameOf(id)));
  if (names.some((n) => n === undefined)) return `${r.count} ${r.count === 1 ? 'person' : 'people'} reacted with ${r.emoji}`;
  const shown = names.slice(0, 10).join(', ');
  return `${shown}${names.length > 10 ? ` and ${names.length - 10} more` : ''} reacted with ${r.emoji}`;
}

export function Reactions({ message, meId }: { message: Message; meId?: string }) {
  const sync = useSync();
  const nameOf = useNames(message.roomId);
  if (message.reactions.length === 0) return null;
  return (
    <ul className="mt-1 flex flex-wrap gap-1" aria-label="Reactions" data-testid="reactions">
      {message.reactions.map((r) => {
        const mine = meId !== undefined && r.userIds.includes(meId);
        const who = whoReacted(r, nameOf, meId);
        return (
          <li key={r.emoji}>
            <button
              type="button"
              aria-pressed={mine}
              title={who}
              aria-label={`${r.emoji} ${r.count}: ${who}`}
              onClick={() => void sync.messages.toggleReaction(message, r.emoji)}
              className={`inline-flex h-6 items-center gap-1 rounded-full border px-2 text-xs tabular-nums transition-colors ${
                mine
                  ? 'border-indigo-500 bg-indigo-50 font-semibold text-indigo-900 dark:border-indigo-400 dark:bg-indigo-500/25 dark:text-indigo-50'
                  : 'border-zinc-300 bg-white text-zinc-800 hover:border-zinc-400 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-200'
              }`}
              data-testid="reaction"
              data-emoji={r.emoji}
            >
              <span className="text-sm leading-none">{r.emoji}</span>
              {r.count}
            </button>
          </li>
        );
      })}
    </ul>
  );
}

export function EditedMarker({ at }: { at: string }) {
  return (
    <span className="ml-1 text-xs text-zinc-600 dark:text-zinc-400" title={`Edited ${formatFull(at)}`} data-testid="edited">
      (edited)
    </span>
  );
}
