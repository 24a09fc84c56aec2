import { useEffect, useRef } from 'react';
import { Link } from '../components/Link';
import { useJoinByInvite } from '../hooks/use-join-by-invite';

/** /join/:inviteCode: joins (after login, when needed) and opens the room. */
export function JoinPage({ inviteCode }: { inviteCode: string }) {
  const { error, join } = useJoinByInvite('link');
  const started = useRef(false);

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    void join(inviteCode);
  }, [inviteCode, join]);

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
