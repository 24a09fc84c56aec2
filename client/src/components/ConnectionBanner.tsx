import { useEffect, useState } from 'react';
import { useSync } from '../sync/SyncProvider';
import { useStore } from '../store';

/** An unobtrusive line while the socket is down; the rest of the UI stays mounted and usable. */
export function ConnectionBanner() {
  const conn = useStore((s) => s.connection);
  const sync = useSync();
  const pending = useStore((s) => s.outbox.filter((i) => i.status === 'pending').length);
  const [now, setNow] = useState(() => Date.now());

  const showing = conn.state === 'waiting' || (conn.state === 'connecting' && conn.everConnected) || conn.offline;
  useEffect(() => {
    if (!showing) return;
    const t = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(t);
  }, [showing]);

  if (conn.outdated) {
    return (
      <div
        className="flex items-center justify-center gap-3 border-b border-red-300 bg-red-50 px-4 py-1.5 text-sm text-red-950 dark:border-red-800 dark:bg-red-950 dark:text-red-100"
        role="alert"
        data-testid="outdated-banner"
      >
        <span>The server was updated. Please reload the page to keep chatting.</span>
        <button type="button" className="font-medium underline underline-offset-2" onClick={() => location.reload()}>
          Reload
        </button>
      </div>
    );
  }
  if (!showing) return null;

  let text: string;
  if (conn.offline) text = 'Offline';
  else if (conn.state === 'connecting') text = 'Reconnecting…';
  else {
    const secs = conn.retryAt ? Math.max(0, Math.ceil((conn.retryAt - now) / 1000)) : 0;
    text = secs > 0 ? `Reconnecting in ${secs} s…` : 'Reconnecting…';
  }
  if (conn.transport === 'http' && !conn.offline) text = `Live updates limited. ${text}`;

  return (
    <div
      className="flex items-center justify-center gap-3 border-b border-amber-300 bg-amber-50 px-4 py-1.5 text-sm text-amber-950 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100"
      role="status"
      data-testid="connection-banner"
    >
      <span>
        {text}
        {pending > 0 && ` · ${pending} message${pending === 1 ? '' : 's'} will be sent when the connection is back.`}
      </span>
      {conn.state === 'waiting' && !conn.offline && (
        <button type="button" className="font-medium underline underline-offset-2" onClick={() => sync.connectNow()}>
          Retry now
        </button>
      )}
    </div>
  );
}
