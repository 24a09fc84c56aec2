import { useState } from 'react';
import { useJoinRoom } from '../hooks/use-join-room';
import { isApiError } from '../lib/api';
import { plural } from '../lib/format';
import { navigate } from '../lib/router';
import type { JoinedRoom, Room } from '../lib/wire';
import { useStore } from '../store';
import { useSync } from '../sync/SyncProvider';
import { Centered } from './Centered';
import { Dialog } from './Dialog';
import { HashIcon } from './Icons';
import { Link } from './Link';

/** The room page's rarer parts, loaded on demand: the leave confirmation and the join panel. */
export function LeaveDialog({ room, onClose }: { room: JoinedRoom; onClose: () => void }) {
  const sync = useSync();
  const [busy, setBusy] = useState(false);
  const toast = useStore((s) => s.toast);
  const leave = async () => {
    setBusy(true);
    try {
      await sync.leaveRoom(room.id);
      toast(`You left ${room.name}`);
      onClose();
      navigate('/', { replace: true });
    } catch (err) {
      setBusy(false);
      toast(isApiError(err) ? err.message : 'Could not leave the room.', 'error');
    }
  };
  return (
    <Dialog
      title={`Leave ${room.name}?`}
      description={room.isPrivate ? 'You will need a new invite link to come back.' : 'You can join again from Discover.'}
      onClose={onClose}
    >
      <div className="flex justify-end gap-2">
        <button type="button" className="btn-ghost" onClick={onClose} autoFocus>
          Cancel
        </button>
        <button type="button" className="btn bg-red-600 text-white hover:bg-red-700" onClick={() => void leave()} disabled={busy}>
          Leave room
        </button>
      </div>
    </Dialog>
  );
}

export function JoinPanel({ room }: { room: Room }) {
  const { busy, join } = useJoinRoom(room.id);
  return (
    <Centered>
      <span className="mb-4 inline-flex h-12 w-12 items-center justify-center rounded-2xl bg-indigo-100 text-indigo-700 dark:bg-indigo-500/20 dark:text-indigo-300">
        <HashIcon width={24} height={24} />
      </span>
      <h1 className="text-xl font-semibold">{room.name}</h1>
      {room.description && <p className="mt-1 max-w-md text-sm text-zinc-600 dark:text-zinc-400">{room.description}</p>}
      <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">
        {plural(room.memberCount, 'member')} · You are not a member of this room yet.
      </p>
      <button type="button" className="btn-primary mt-5" onClick={() => void join()} disabled={busy}>
        {busy ? 'Joining…' : 'Join room'}
      </button>
    </Centered>
  );
}

export function NotFoundPanel({ what = 'room' }: { what?: string }) {
  return (
    <Centered>
      <p className="text-5xl font-bold text-zinc-300 dark:text-zinc-700">404</p>
      <h1 className="mt-3 text-xl font-semibold">This {what} does not exist</h1>
      <p className="mt-1 max-w-sm text-sm text-zinc-600 dark:text-zinc-400">
        It may have been removed, or it is private and you are not a member. Ask a member for an invite link.
      </p>
      <Link href="/discover" className="btn-primary mt-5">
        Discover rooms
      </Link>
    </Centered>
  );
}

export function ErrorPanel({ message }: { message: string }) {
  return (
    <Centered>
      <h1 className="text-xl font-semibold">Something went wrong</h1>
      <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">{message}</p>
      <button type="button" className="btn-primary mt-5" onClick={() => location.reload()}>
        Try again
      </button>
    </Centered>
  );
}
