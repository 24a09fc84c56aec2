import { useState } from 'react';
import type { JoinedRoom } from '../lib/wire';
import { useStore } from '../store';
import { CopyIcon } from './Icons';
import { Dialog } from './Dialog';

export default function InviteDialog({ room, onClose }: { room: JoinedRoom; onClose: () => void }) {
  const code = useStore((s) => s.inviteCodes[room.id]);
  const [copied, setCopied] = useState(false);
  const link = room.isPrivate
    ? code
      ? `${location.origin}/join/${encodeURIComponent(code)}`
      : null
    : `${location.origin}/rooms/${encodeURIComponent(room.id)}`;

  const copy = async () => {
    if (!link) return;
    try {
      await navigator.clipboard.writeText(link);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      const input = document.getElementById('invite-link') as HTMLInputElement | null;
      input?.select();
    }
  };

  return (
    <Dialog
      title={`Invite people to ${room.name}`}
      description={
        room.isPrivate
          ? 'This room is private. Anyone with this link can join it.'
          : 'This room is public. Share its link, or people can find it in Discover.'
      }
      onClose={onClose}
    >
      {link ? (
        <>
          <div className="flex gap-2">
            <label htmlFor="invite-link" className="sr-only">
              Invite link
            </label>
            <input
              id="invite-link"
              readOnly
              value={link}
              className="field font-mono text-xs"
              onFocus={(e) => e.currentTarget.select()}
              data-testid="invite-link"
            />
            <button type="button" className="btn-primary shrink-0" onClick={() => void copy()}>
              <CopyIcon width={16} height={16} />
              {copied ? 'Copied' : 'Copy'}
            </button>
          </div>
          {room.isPrivate && code && (
            <p className="mt-3 text-sm text-zinc-600 dark:text-zinc-400">
              Or give them the code{' '}
              <code
                className="rounded bg-zinc-100 px-1.5 py-0.5 font-mono text-zinc-900 dark:bg-zinc-800 dark:text-zinc-100"
                data-testid="invite-code"
              >
                {code}
              </code>{' '}
              to type in Discover.
            </p>
          )}
        </>
      ) : (
        <p className="text-sm text-zinc-600 dark:text-zinc-400" role="status">
          Loading the invite link…
        </p>
      )}
      <span className="sr-only" aria-live="polite">
        {copied ? 'Link copied to the clipboard' : ''}
      </span>
    </Dialog>
  );
}
