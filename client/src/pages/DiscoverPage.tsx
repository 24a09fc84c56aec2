import { useEffect, useRef, useState } from 'react';
import { BackIcon, HashIcon, SearchIcon, UsersIcon } from '../components/Icons';
import { InviteCodeForm } from '../components/InviteCodeForm';
import { Link } from '../components/Link';
import { RoomImage } from '../components/RoomImage';
import { api, isAbort, isApiError } from '../lib/api';
import { plural } from '../lib/format';
import { navigate, roomPath } from '../lib/router';
import { useDebounced } from '../lib/use-debounced';
import { useJoinRoom } from '../hooks/use-join-room';
import type { ListedRoom } from '../lib/wire';
import { useStore } from '../store';

type State =
  | { kind: 'loading' }
  | { kind: 'done'; rooms: ListedRoom[]; nextCursor: string | null; query: string }
  | { kind: 'error'; message: string };

export default function DiscoverPage() {
  const [query, setQuery] = useState('');
  const debounced = useDebounced(query.trim());
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [loadingMore, setLoadingMore] = useState(false);
  const joinedIds = useStore((s) => s.rooms);
  const requestNo = useRef(0);

  useEffect(() => {
    const ctrl = new AbortController();
    const no = ++requestNo.current;
    setState({ kind: 'loading' });
    api
      .searchRooms(debounced, ctrl.signal)
      .then((res) => {
        // A response to an older query is discarded.
        if (no === requestNo.current) setState({ kind: 'done', rooms: res.rooms, nextCursor: res.nextCursor, query: debounced });
      })
      .catch((err: unknown) => {
        if (isAbort(err) || no !== requestNo.current) return;
        setState({ kind: 'error', message: isApiError(err) ? err.message : 'Search failed.' });
      });
    return () => ctrl.abort();
  }, [debounced]);

  const loadMore = async () => {
    if (state.kind !== 'done' || !state.nextCursor) return;
    const no = requestNo.current;
    setLoadingMore(true);
    try {
      const res = await api.searchRooms(state.query, undefined, state.nextCursor);
      if (no === requestNo.current)
        setState({ ...state, rooms: [...state.rooms, ...res.rooms], nextCursor: res.nextCursor });
    } catch {
      /* keep what we have */
    } finally {
      setLoadingMore(false);
    }
  };

  const typing = query.trim() !== debounced;

  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto max-w-3xl px-4 py-6 sm:px-6">
        <div className="mb-1 flex items-center gap-2">
          <Link href="/" className="icon-btn md:hidden" aria-label="Back to rooms">
            <BackIcon />
          </Link>
          <h1 className="text-2xl font-bold tracking-tight">Discover rooms</h1>
        </div>
        <p className="mb-5 text-sm text-zinc-600 dark:text-zinc-400">Find public rooms and join the conversation.</p>
        <InviteCodeForm />
        <div className="relative mb-5">
          <SearchIcon className="pointer-events-none absolute top-1/2 left-3 -translate-y-1/2 text-zinc-500" width={18} height={18} />
          <label htmlFor="room-search" className="sr-only">
            Search public rooms
          </label>
          <input
            id="room-search"
            type="search"
            className="field pl-10"
            placeholder="Search rooms by name or description"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            autoFocus
            autoComplete="off"
          />
        </div>
        <div aria-live="polite" aria-busy={state.kind === 'loading' || typing}>
          {state.kind === 'loading' ? (
            <ul className="space-y-3" aria-label="Loading rooms">
              {[0, 1, 2, 3].map((i) => (
                <li key={i} className="h-20 animate-pulse rounded-2xl bg-zinc-100 dark:bg-zinc-900" />
              ))}
            </ul>
          ) : state.kind === 'error' ? (
            <p className="rounded-xl bg-red-50 p-4 text-sm text-red-800 dark:bg-red-950 dark:text-red-200" role="alert">
              {state.message}
            </p>
          ) : state.rooms.length === 0 ? (
            <div className="rounded-2xl border border-dashed border-zinc-300 p-10 text-center dark:border-zinc-700">
              <p className="font-medium">{state.query ? `No rooms match “${state.query}”` : 'No public rooms yet'}</p>
              <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
                {state.query ? 'Try another word, or create the room yourself.' : 'Be the first: create a room with the + button.'}
              </p>
            </div>
          ) : (
            <>
              <p className="sr-only">{plural(state.rooms.length, 'room')} found</p>
              <ul className="space-y-3" data-testid="discover-results">
                {state.rooms.map((r) => (
                  <DiscoverItem key={r.id} room={r} joined={r.joined || !!joinedIds[r.id]} />
                ))}
              </ul>
              {state.nextCursor && (
                <div className="mt-4 flex justify-center">
                  <button type="button" className="btn-ghost" onClick={() => void loadMore()} disabled={loadingMore}>
                    {loadingMore ? 'Loading…' : 'Show more rooms'}
                  </button>
                </div>
              )}
            </>
          )}
        </div>
      </div>
    </div>
  );
}

function DiscoverItem({ room, joined }: { room: ListedRoom; joined: boolean }) {
  const toast = useStore((s) => s.toast);
  const { busy, join } = useJoinRoom(room.id, (joinedRoom) => {
    toast(`Joined ${joinedRoom.name}`, 'success');
    navigate(roomPath(joinedRoom.id));
  });
  return (
    <li
      className="flex items-center gap-4 rounded-2xl border border-zinc-200 bg-white p-4 dark:border-zinc-800 dark:bg-zinc-900"
      data-testid="discover-room"
      data-room-name={room.name}
    >
      <span className="inline-flex h-10 w-10 shrink-0 items-center justify-center overflow-hidden rounded-xl bg-indigo-100 text-indigo-700 dark:bg-indigo-500/20 dark:text-indigo-300">
        <RoomImage url={room.imageUrl} size={40} fallback={<HashIcon width={20} height={20} />} />
      </span>
      <div className="min-w-0 flex-1">
        <h2 className="truncate font-semibold">{room.name}</h2>
        {room.description && <p className="line-clamp-2 text-sm text-zinc-600 dark:text-zinc-400">{room.description}</p>}
        <p className="mt-0.5 inline-flex items-center gap-1 text-xs text-zinc-600 dark:text-zinc-400">
          <UsersIcon width={14} height={14} /> {plural(room.memberCount, 'member')}
        </p>
      </div>
      {joined ? (
        <Link href={roomPath(room.id)} className="btn-ghost shrink-0" aria-label={`Open ${room.name}`}>
          Open
        </Link>
      ) : (
        <button
          type="button"
          className="btn-primary shrink-0"
          onClick={() => void join()}
          disabled={busy}
          aria-label={`Join ${room.name}`}
        >
          {busy ? 'Joining…' : 'Join'}
        </button>
      )}
    </li>
  );
}
