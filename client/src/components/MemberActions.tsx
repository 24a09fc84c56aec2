import { useId, useState } from 'react';
import { isApiError } from '../lib/api';
import { moderationApi } from '../lib/moderation-api';
import type { Member, Role } from '../lib/wire';
import { useStore } from '../store';

const RANK: Record<Role, number> = { member: 1, moderator: 2, owner: 3 };

/** Whether `me` may act on `target` at all: staff act only on lower roles (as the server decides). */
export function outranks(me: Role | undefined, target: Role): boolean {
  return !!me && RANK[me] >= RANK.moderator && RANK[target] < RANK[me];
}

/**
 * One member's moderation actions (a lazy chunk of the members panel), by the viewer's rank:
 * owners change roles and hand ownership over (confirmed), staff remove and ban (with a reason).
 * A disclosure, not a menu: every action is a plain button reachable with Tab.
 */
export default function MemberActions({ roomId, member, myRole, onChanged }: { roomId: string; member: Member; myRole: Role; onChanged: () => void }) {
  const [open, setOpen] = useState(false);
  const [confirmOwner, setConfirmOwner] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState('');
  const panelId = useId();
  const reasonId = useId();
  const name = member.user.username;

  const act = async (what: () => Promise<unknown>, done: string) => {
    setError('');
    try {
      await what();
      const s = useStore.getState();
      s.toast(done);
      s.announce(done);
      setOpen(false);
      onChanged();
    } catch (err) {
      setError(isApiError(err) ? err.message : 'That did not work. Try again.');
    }
  };

  return (
    <div className="relative">
      <button type="button" className="btn-ghost px-2 py-0.5 text-xs" aria-expanded={open} aria-controls={panelId} onClick={() => setOpen((v) => !v)}>
        Manage<span className="sr-only"> {name}</span>
      </button>
      {open && (
        <div id={panelId} role="group" aria-label={`Manage ${name}`} className="absolute right-0 z-40 mt-1 w-56 space-y-1 rounded-lg border border-zinc-200 bg-white p-2 shadow-lg dark:border-zinc-700 dark:bg-zinc-900">
          {myRole === 'owner' && (
            <>
              <button type="button" className="btn-ghost w-full justify-start" onClick={() => void act(() => moderationApi.setRole(roomId, member.user.id, member.role === 'moderator' ? 'member' : 'moderator'), `${name} is now ${member.role === 'moderator' ? 'a member' : 'a moderator'}`)}>
                {member.role === 'moderator' ? 'Make member' : 'Make moderator'}
              </button>
              {confirmOwner ? (
                <button type="button" className="btn w-full justify-start bg-amber-600 text-white hover:bg-amber-700" onClick={() => void act(() => moderationApi.setRole(roomId, member.user.id, 'owner'), `${name} owns the room now`)}>
                  Confirm: make {name} the owner
                </button>
              ) : (
                <button type="button" className="btn-ghost w-full justify-start" onClick={() => setConfirmOwner(true)}>
                  Transfer ownership…
                </button>
              )}
            </>
          )}
          <button type="button" className="btn-ghost w-full justify-start" onClick={() => void act(() => moderationApi.kick(roomId, member.user.id), `${name} was removed`)}>
            Remove from room
          </button>
          <label htmlFor={reasonId} className="label">
            Ban reason (optional)
          </label>
          <input id={reasonId} className="field" value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} />
          <button type="button" className="btn w-full justify-start bg-red-700 text-white hover:bg-red-800" onClick={() => void act(() => moderationApi.ban(roomId, member.user.id, reason), `${name} was banned`)}>
            Ban {name}
          </button>
          {error && (
            <p role="alert" className="text-xs text-red-700 dark:text-red-400">
              {error}
            </p>
          )}
        </div>
      )}
    </div>
  );
}
