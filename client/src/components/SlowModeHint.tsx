import { useEffect, useState } from 'react';
import { useStore } from '../store';

/**
 * Above the composer in a slow-mode room (members only): the rule, and after a send the seconds
 * until the next one is allowed. The countdown is visual; screen readers hear the rule once and
 * "You can send again" when it is over (the server stays the judge: a send too soon is refused).
 */
export default function SlowModeHint({ roomId, sentAt }: { roomId: string; sentAt: number }) {
  const room = useStore((s) => s.rooms[roomId]);
  const sec = room?.slowModeSec ?? 0;
  const [now, setNow] = useState(Date.now);
  const left = sentAt ? Math.max(0, Math.ceil((sentAt + sec * 1000 - now) / 1000)) : 0;
  useEffect(() => setNow(Date.now()), [sentAt]);
  useEffect(() => {
    if (!left) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [left > 0]); // eslint-disable-line react-hooks/exhaustive-deps
  // Owners and moderators are not slowed.
  if (!sec || room?.role !== 'member') return null;
  const every = sec >= 60 && sec % 60 === 0 ? `${sec / 60} min` : `${sec} s`;
  return (
    <p className="mb-1 text-xs text-zinc-600 dark:text-zinc-400" data-testid="slow-mode-hint">
      Slow mode: one message every {every}.
      <span aria-hidden={left > 0}>{left > 0 ? ` Next in ${left} s.` : ''}</span>
      <span className="sr-only" aria-live="polite">
        {sentAt && !left ? 'You can send again.' : ''}
      </span>
    </p>
  );
}
