import { useEffect, useRef, useState } from 'react';
import { Link } from '../components/Link';
import { api, isApiError } from '../lib/api';
import { useSync } from '../sync/SyncProvider';
import { navigate, roomPath } from '../lib/router';
import { useStore } from '../store';

/** /join/:inviteCode: joins (after login, when needed) and opens the room. */
export function JoinPage({ inviteCode }: { inviteCode: string }) {
  const [error, setError] = useState<string | null>(null);
  const started = useRef(false);
  const sync = useSync();

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    api
      .joinByInvite(inviteCode)
      .then(({ room, inviteCode: code }) => {
        sync.roomJoined(room, code ?? (room.isPrivate ? inviteCode : undefined));
        useStore.getState().toast(`Joined ${room.name}`, 'success');
        navigate(roomPath(room.id), { replace: true });
      })
      .catch((err: unknown) => {
        if (isApiError(err, 'INVALID_INVITE') || (isApiError(err) && err.status === 404))
          setError('This invite link is not valid. It may have been mistyped or revoked.');
        else if (isApiError(err, 'RATE_LIMITED')) setError('Too many invite attempts. Please wait a minute and try again.');
        else setError(isApiError(err) ? err.message : 'Could not join the room.');
      });
  }, [inviteCode]);

  return (
    <div className="flex h-full flex-col items-center justify-center p-6 text-center">
      {error ? (
        <>
          <h1 className="text-xl font-semibold">Cannot join</h1>
          <p className="mt-1 max-w-sm text-sm text-zinc-600 dark:text-zinc-400" role="alert">
            {error}
          </p>
          <Link href="/" className="btn-primary mt-5">
            Go to your rooms
          </Link>
        </>
      ) : (
        <p role="status" className="text-sm text-zinc-600 dark:text-zinc-400">
          Joining the room…
        </p>
      )}
    </div>
  );
}
