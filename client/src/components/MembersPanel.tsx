import { useEffect, useMemo } from 'react';
import { fetchAllMembers, useRoomMembers } from '../hooks/use-room-members';
import { useStore } from '../store';
import { Avatar } from './Avatar';
import MemberActions, { outranks } from './MemberActions';
import { CloseIcon, CrownIcon } from './Icons';
import { GuestTag } from './GuestTag';

const NONE: string[] = [];

export function MembersPanel({ roomId, onClose, overlay = false }: { roomId: string; onClose: () => void; overlay?: boolean }) {
  const { members, error } = useRoomMembers(roomId, true, true);
  const online = useStore((s) => s.online[roomId] ?? NONE);
  const setToastOutlet = useStore((s) => s.setToastOutlet);
  // Presence only comes over a live socket: while it is down (reconnecting, offline, HTTP
  // fallback) what we hold is the last known state, shown as such until `subscribed` refreshes it.
  const stale = useStore((s) => s.connection.state !== 'open');
  const myRole = useStore((s) => s.rooms[roomId]?.role);
  const reload = () => void fetchAllMembers(roomId).then((all) => useStore.getState().setMembers(roomId, all), () => undefined);

  const sorted = useMemo(() => {
    const on = new Set(online);
    return (members ?? [])
      .map((m) => ({ ...m, online: on.has(m.user.id) || (online === NONE && m.online) }))
      .sort(
        (a, b) =>
          Number(b.online) - Number(a.online) ||
          Number(b.role === 'owner') - Number(a.role === 'owner') ||
          a.user.username.localeCompare(b.user.username),
      );
  }, [members, online]);
  const onlineCount = sorted.filter((m) => m.online).length;

  return (
    <aside
      aria-label="Members"
      className="flex h-full w-full flex-col border-l border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-950"
      data-testid="members-panel"
    >
      <div className="flex items-center justify-between px-4 py-3">
        <h2 className="text-sm font-semibold">
          Members{' '}
          {members && (
            <span className="font-normal text-zinc-600 dark:text-zinc-400" data-testid="online-count" data-stale={stale}>
              {stale ? (
                <span title="Reconnecting: who is online is not known right now">
                  · — online<span className="sr-only"> (unknown while reconnecting)</span>
                </span>
              ) : (
                `· ${onlineCount} online`
              )}
            </span>
          )}
        </h2>
        <button type="button" className="icon-btn" onClick={onClose} aria-label="Close members" autoFocus={overlay}>
          <CloseIcon width={18} height={18} />
        </button>
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto px-2 pb-3">
        {error ? (
          <p className="px-2 text-sm text-red-700 dark:text-red-400">Could not load members.</p>
        ) : !members ? (
          <p className="px-2 text-sm text-zinc-600 dark:text-zinc-400" role="status">
            Loading…
          </p>
        ) : (
          <ul className="space-y-0.5">
            {sorted.map((m) => (
              <li
                key={m.user.id}
                className="flex items-center gap-3 rounded-lg px-2 py-1.5"
                data-testid="member"
                data-online={m.online}
                data-presence={stale ? 'stale' : 'live'}
                data-username={m.user.username}
              >
                <span className="relative">
                  <Avatar user={m.user} size={30} />
                  <span
                    className={`absolute -right-0.5 -bottom-0.5 h-3 w-3 rounded-full border-2 border-white dark:border-zinc-950 ${
                      stale ? 'bg-zinc-200 dark:bg-zinc-700' : m.online ? 'bg-emerald-500' : 'bg-zinc-400 dark:bg-zinc-600'
                    }`}
                    aria-hidden="true"
                  />
                </span>
                <span className={`min-w-0 flex-1 truncate text-sm ${m.online ? '' : 'text-zinc-600 dark:text-zinc-400'}`}>
                  {m.user.displayName ?? m.user.username}
                  {m.user.displayName && <span className="ml-1 text-xs text-zinc-600 dark:text-zinc-400">@{m.user.username}</span>}
                  {m.user.isGuest && <GuestTag />}
                  <span className="sr-only">{`${m.online ? ', online' : ', offline'}${stale ? ' (last known)' : ''}`}</span>
                </span>
                {m.role === 'owner' && (
                  <span className="inline-flex items-center gap-1 text-xs text-amber-800 dark:text-amber-300" title="Owner">
                    <CrownIcon width={14} height={14} />
                    Owner
                  </span>
                )}
                {m.role === 'moderator' && <span className="text-xs text-indigo-800 dark:text-indigo-300">Mod</span>}
                {myRole && outranks(myRole, m.role) && <MemberActions roomId={roomId} member={m} myRole={myRole} onChanged={reload} />}
              </li>
            ))}
          </ul>
        )}
      </div>
      {overlay && <div ref={setToastOutlet} data-testid="toast-outlet" />}
    </aside>
  );
}
