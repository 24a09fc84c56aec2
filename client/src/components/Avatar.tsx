import { useState } from 'react';
import type { User } from '../lib/wire';

const COLORS = [
  'bg-rose-600',
  'bg-orange-700',
  'bg-amber-700',
  'bg-emerald-700',
  'bg-teal-700',
  'bg-sky-700',
  'bg-indigo-600',
  'bg-violet-600',
  'bg-fuchsia-700',
];

function colorFor(id: string): string {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return COLORS[h % COLORS.length]!;
}

/** An image URL we show: the server's own files (`/api/files/…`) or an absolute http(s) URL. */
export function isShowableUrl(url: string | null | undefined): url is string {
  return !!url && (/^https?:\/\//i.test(url) || (url.startsWith('/') && !url.startsWith('//')));
}

/** The user's picture, or their initials on a colour derived from their id (also when it fails to load). */
export function Avatar({ user, size = 36 }: { user: Pick<User, 'id' | 'username' | 'avatarUrl'>; size?: number }) {
  const [failed, setFailed] = useState<string | null>(null);
  const style = { width: size, height: size, fontSize: Math.round(size * 0.4) };
  if (isShowableUrl(user.avatarUrl) && failed !== user.avatarUrl) {
    return (
      <img
        src={user.avatarUrl}
        alt=""
        width={size}
        height={size}
        loading="lazy"
        referrerPolicy="no-referrer"
        className="shrink-0 rounded-full bg-zinc-200 object-cover dark:bg-zinc-800"
        style={style}
        onError={() => setFailed(user.avatarUrl)}
        data-testid="avatar-image"
      />
    );
  }
  return (
    <span
      aria-hidden="true"
      className={`inline-flex shrink-0 items-center justify-center rounded-full font-semibold text-white uppercase select-none ${colorFor(user.id)}`}
      style={style}
    >
      {user.username.slice(0, 2)}
    </span>
  );
}
