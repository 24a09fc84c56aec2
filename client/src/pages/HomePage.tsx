import { CompassIcon } from '../components/Icons';
import { Link } from '../components/Link';
import { useStore } from '../store';

export function HomePage() {
  const user = useStore((s) => s.user);
  return (
    <div className="flex h-full flex-col items-center justify-center p-6 text-center">
      <span className="mb-4 inline-flex h-14 w-14 items-center justify-center rounded-2xl bg-indigo-100 text-indigo-700 dark:bg-indigo-500/20 dark:text-indigo-300">
        <CompassIcon width={28} height={28} />
      </span>
      <h1 className="text-xl font-semibold">Hi {user?.username}!</h1>
      <p className="mt-1 max-w-sm text-sm text-zinc-600 dark:text-zinc-400">
        Pick a room on the left, or find new ones to join.
      </p>
      <Link href="/discover" className="btn-primary mt-5">
        Discover rooms
      </Link>
    </div>
  );
}
