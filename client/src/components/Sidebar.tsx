import { lazy, memo, Suspense, useEffect, useMemo, useState } from 'react';
import { badgeCount, formatShort } from '../lib/format';
import { useSync } from '../sync/SyncProvider';
import { navigate, roomPath } from '../lib/router';
import type { JoinedRoom } from '../lib/wire';
import { useStore } from '../store';
import { Avatar } from './Avatar';
import { GuestTag } from './GuestTag';
import { CompassIcon, HashIcon, LockIcon, LogOutIcon, PlusIcon, SearchIcon } from './Icons';
import { Link } from './Link';
import { RoomImage } from './RoomImage';
import { ThemeSwitcher } from './ThemeSwitcher';

const CreateRoomDialog = lazy(() => import('./CreateRoomDialog'));
/** A guest's user menu: make it a full account. */
const UpgradeDialog = lazy(() => import('./UpgradeDialog'));
const SearchDialog = lazy(() => import('./SearchDialog'));

function activity(r: JoinedRoom): string {
  return r.lastMessage?.createdAt ?? r.createdAt;
}

const RoomItem = memo(function RoomItem({ room, active, meId }: { room: JoinedRoom; active: boolean; meId?: string }) {
  const last = room.lastMessage;
  const unread = room.unreadCount;
  const preview = last
    ? `${last.author.id === meId ? 'You' : last.author.username}: ${last.deletedAt ? 'message deleted' : last.body}`
    : room.description || 'No messages yet';
  return (
    <li>
      <Link
        href={roomPath(room.id)}
        aria-current={active ? 'page' : undefined}
        data-testid="room-item"
        data-room-name={room.name}
        className={`group flex items-start gap-3 rounded-xl px-3 py-2.5 transition-colors ${
          active
            ? 'bg-indigo-50 text-indigo-950 dark:bg-indigo-500/15 dark:text-white'
            : 'text-zinc-800 hover:bg-zinc-100 dark:text-zinc-200 dark:hover:bg-zinc-800/70'
        }`}
      >
        <span
          className={`mt-0.5 inline-flex h-8 w-8 shrink-0 items-center justify-center overflow-hidden rounded-lg ${
            active ? 'bg-indigo-600 text-white' : 'bg-zinc-200 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300'
          }`}
        >
          <RoomImage
            url={room.imageUrl}
            size={32}
            fallback={room.isPrivate ? <LockIcon width={16} height={16} /> : <HashIcon width={16} height={16} />}
          />
        </span>
        <span className="min-w-0 flex-1">
          <span className="flex items-baseline justify-between gap-2">
            <span className={`truncate text-sm ${unread > 0 ? 'font-semibold' : 'font-medium'}`}>{room.name}</span>
            {last && (
              <time className="shrink-0 text-xs text-zinc-600 dark:text-zinc-400" dateTime={last.createdAt}>
                {formatShort(last.createdAt)}
              </time>
            )}
          </span>
          <span className="flex items-center justify-between gap-2">
            <span
              className={`truncate text-xs ${unread > 0 ? 'text-zinc-800 dark:text-zinc-200' : 'text-zinc-600 dark:text-zinc-400'}`}
              data-testid="room-preview"
            >
              {preview}
            </span>
            {room.mentionCount > 0 && (
              <span
                className="inline-flex min-w-5 shrink-0 items-center justify-center rounded-full bg-amber-500 px-1.5 text-xs leading-5 font-bold text-zinc-950"
                data-testid="mention-badge"
              >
                @{badgeCount(room.mentionCount)}
                <span className="sr-only"> {room.mentionCount === 1 ? 'mention' : 'mentions'}</span>
              </span>
            )}
            {unread > 0 && (
              <span
                className="inline-flex min-w-5 shrink-0 items-center justify-center rounded-full bg-indigo-600 px-1.5 text-xs leading-5 font-semibold text-white"
                data-testid="unread-badge"
              >
                {badgeCount(unread)}
                <span className="sr-only"> unread</span>
              </span>
            )}
          </span>
        </span>
      </Link>
    </li>
  );
});

export function Sidebar({ activeRoomId, discoverActive = false }: { activeRoomId: string | null; discoverActive?: boolean }) {
  const rooms = useStore((s) => s.rooms);
  const loaded = useStore((s) => s.roomsLoaded);
  const user = useStore((s) => s.user);
  const sync = useSync();
  const [creating, setCreating] = useState(false);
  const [upgrading, setUpgrading] = useState(false);
  const [searching, setSearching] = useState(false);
  // Ctrl+K / Cmd+K opens message search from anywhere.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setSearching(true);
      }
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);

  const sorted = useMemo(
    () => Object.values(rooms).sort((a, b) => activity(b).localeCompare(activity(a)) || a.name.localeCompare(b.name)),
    [rooms],
  );

  return (
    <nav aria-label="Rooms" className="flex h-full min-h-0 flex-col">
      <div className="flex items-center justify-between gap-2 px-4 pt-4 pb-2">
        <Link href="/" className="flex items-center gap-2 rounded-lg text-lg font-bold tracking-tight">
          <span className="inline-flex h-8 w-8 items-center justify-center rounded-lg bg-indigo-600 text-white">
            <HashIcon width={18} height={18} />
          </span>
          RtChat
        </Link>
        <div className="flex gap-1">
          <button
            type="button"
            className="icon-btn"
            aria-label="Search messages"
            title="Search messages (Ctrl+K)"
            aria-keyshortcuts="Control+K Meta+K"
            onClick={() => setSearching(true)}
          >
            <SearchIcon />
          </button>
          <Link
            href="/discover"
            className="icon-btn aria-[current=page]:bg-indigo-50 aria-[current=page]:text-indigo-700 dark:aria-[current=page]:bg-indigo-500/15 dark:aria-[current=page]:text-indigo-300"
            aria-label="Discover rooms"
            title="Discover rooms"
            aria-current={discoverActive ? 'page' : undefined}
          >
            <CompassIcon />
          </Link>
          {!user?.isGuest && (
            <button type="button" className="icon-btn" aria-label="Create room" title="Create room" onClick={() => setCreating(true)}>
              <PlusIcon />
            </button>
          )}
        </div>
      </div>
      <h2 className="px-4 pt-2 pb-1 text-xs font-semibold tracking-wide text-zinc-600 uppercase dark:text-zinc-400">
        Your rooms
      </h2>
      <div className="min-h-0 flex-1 overflow-y-auto px-2 pb-2">
        {!loaded ? (
          <ul aria-busy="true" aria-label="Loading rooms" className="space-y-2 px-2 pt-1">
            {[0, 1, 2].map((i) => (
              <li key={i} className="h-12 animate-pulse rounded-xl bg-zinc-100 dark:bg-zinc-800/60" />
            ))}
          </ul>
        ) : sorted.length === 0 ? (
          <div className="px-3 py-6 text-center text-sm text-zinc-600 dark:text-zinc-400">
            <p>You have not joined any rooms yet.</p>
            <div className="mt-3 flex justify-center gap-2">
              <Link href="/discover" className="btn-primary">
                Discover rooms
              </Link>
            </div>
          </div>
        ) : (
          <ul className="space-y-0.5" data-testid="room-list">
            {sorted.map((r) => (
              <RoomItem key={r.id} room={r} active={r.id === activeRoomId} meId={user?.id} />
            ))}
          </ul>
        )}
      </div>
      {user && (
        <div className="flex items-center gap-2 border-t border-zinc-200 px-3 py-3 dark:border-zinc-800">
          {user.isGuest ? (
            <button
              type="button"
              className="flex min-w-0 flex-1 items-center gap-2 rounded-lg p-0.5 text-left hover:bg-zinc-100 dark:hover:bg-zinc-800"
              onClick={() => setUpgrading(true)}
              title="Upgrade to a full account"
              data-testid="profile-button"
            >
              <Avatar user={user} size={32} />
              <span className="min-w-0 flex-1 truncate text-sm font-medium" data-testid="current-user">
                {user.displayName ?? user.username} <GuestTag />
              </span>
              <span className="sr-only">: upgrade to a full account</span>
            </button>
          ) : (
            <Link
              href="/settings"
              className="flex min-w-0 flex-1 items-center gap-2 rounded-lg p-0.5 text-left hover:bg-zinc-100 dark:hover:bg-zinc-800"
              title="Account settings"
              data-testid="profile-button"
            >
              <Avatar user={user} size={32} />
              <span className="min-w-0 flex-1 truncate text-sm font-medium" data-testid="current-user">
                {user.displayName ?? user.username}
              </span>
              <span className="sr-only">: account settings</span>
            </Link>
          )}
          <ThemeSwitcher />
          <button
            type="button"
            className="icon-btn"
            aria-label="Log out"
            title="Log out"
            onClick={() => {
              void sync.logout().then(() => navigate('/login', { replace: true }));
            }}
          >
            <LogOutIcon />
          </button>
        </div>
      )}
      {upgrading && user && (
        <Suspense fallback={null}>
          <UpgradeDialog onClose={() => setUpgrading(false)} />
        </Suspense>
      )}
      {searching && (
        <Suspense fallback={null}>
          <SearchDialog roomId={activeRoomId} onClose={() => setSearching(false)} />
        </Suspense>
      )}
      {creating && (
        <Suspense fallback={null}>
          <CreateRoomDialog onClose={() => setCreating(false)} />
        </Suspense>
      )}
    </nav>
  );
}
