/**
 * The sessions list of the settings page: each device (its user agent made readable), when it was
 * last active and signed in, "This device" for the current one; "Sign out" per other session and
 * "Sign out everywhere else", each asking for confirmation inline (focus moves to the question and
 * back). Outcomes go to a polite live region. Part of the settings chunk.
 */
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { isApiError, request } from '../lib/api';
import { formatFull, plural } from '../lib/format';
import { describeUserAgent } from '../lib/user-agent';
import { CARD, StatusLine, type Status } from './SettingsParts';

interface SessionView {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  userAgent: string | null;
  current: boolean;
}

/** What is waiting for a "yes": one session, or all the others. */
type Pending = { kind: 'one'; session: SessionView } | { kind: 'others' } | null;

function Confirm({ question, onYes, onNo }: { question: string; onYes: () => void; onNo: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div ref={ref} tabIndex={-1} role="group" aria-label="Confirm" className="mt-2 flex flex-wrap items-center gap-2 rounded-lg bg-amber-50 p-2 text-sm text-zinc-900 dark:bg-amber-400/10 dark:text-zinc-100">
      <span>{question}</span>
      <button type="button" className="btn-primary" onClick={onYes}>
        Yes, sign out
      </button>
      <button type="button" className="btn-ghost" onClick={onNo}>
        Cancel
      </button>
    </div>
  );
}

export function SessionsSection() {
  const [sessions, setSessions] = useState<SessionView[] | null>(null);
  const [status, setStatus] = useState<Status>({ kind: 'idle' });
  const [pending, setPending] = useState<Pending>(null);
  const id = useId();

  const load = useCallback(() => {
    request<{ sessions: SessionView[] }>('/api/auth/sessions')
      .then((res) => setSessions(res.sessions))
      .catch((err: unknown) => setStatus({ kind: 'error', text: isApiError(err) ? err.message : 'Could not load your sessions.' }));
  }, []);
  useEffect(load, [load]);

  const run = async (what: NonNullable<Pending>) => {
    setPending(null);
    try {
      if (what.kind === 'one') {
        await request<void>(`/api/auth/sessions/${encodeURIComponent(what.session.id)}`, { method: 'DELETE' });
        setStatus({ kind: 'ok', text: `Signed out ${describeUserAgent(what.session.userAgent)}.` });
      } else {
        const { revoked } = await request<{ revoked: number }>('/api/auth/sessions/revoke-others', { method: 'POST' });
        setStatus({ kind: 'ok', text: `Signed out ${plural(revoked, 'other session')}.` });
      }
    } catch (err) {
      setStatus({ kind: 'error', text: isApiError(err) ? err.message : 'Could not sign out.' });
    }
    load();
  };

  const others = sessions?.filter((s) => !s.current).length ?? 0;
  return (
    <section aria-labelledby={`${id}-h`} className={`${CARD} space-y-3`}>
      <h2 id={`${id}-h`} className="text-lg font-semibold">
        Sessions
      </h2>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">Devices signed in to your account. Sign out any you do not recognize.</p>
      {!sessions ? (
        <p className="text-sm" aria-busy="true">
          Loading sessions…
        </p>
      ) : (
        <ul className="divide-y divide-zinc-200 dark:divide-zinc-800" data-testid="session-list">
          {sessions.map((s) => {
            const device = describeUserAgent(s.userAgent);
            return (
              <li key={s.id} className="py-3" data-testid="session" data-current={s.current || undefined}>
                <div className="flex items-center justify-between gap-3">
                  <div className="min-w-0">
                    <p className="flex items-center gap-2 text-sm font-medium">
                      <span title={s.userAgent ?? undefined}>{device}</span>
                      {s.current && <span className="rounded-full bg-indigo-100 px-2 text-xs text-indigo-800 dark:bg-indigo-500/20 dark:text-indigo-200">This device</span>}
                    </p>
                    <p className="text-xs text-zinc-600 dark:text-zinc-400">
                      Last active <time dateTime={s.lastSeenAt}>{formatFull(s.lastSeenAt)}</time> · signed in <time dateTime={s.createdAt}>{formatFull(s.createdAt)}</time>
                    </p>
                  </div>
                  {!s.current && (
                    <button type="button" className="btn-danger shrink-0" onClick={() => setPending({ kind: 'one', session: s })} aria-label={`Sign out ${device}, last active ${formatFull(s.lastSeenAt)}`}>
                      Sign out
                    </button>
                  )}
                </div>
                {pending?.kind === 'one' && pending.session.id === s.id && (
                  <Confirm question={`Sign out ${device}?`} onYes={() => void run(pending)} onNo={() => setPending(null)} />
                )}
              </li>
            );
          })}
        </ul>
      )}
      {others > 0 && (
        <div>
          <button type="button" className="btn-danger" onClick={() => setPending({ kind: 'others' })}>
            Sign out everywhere else
          </button>
          {pending?.kind === 'others' && (
            <Confirm question={`Sign out ${plural(others, 'other session')}?`} onYes={() => void run(pending)} onNo={() => setPending(null)} />
          )}
        </div>
      )}
      <StatusLine status={status} testId="sessions-status" />
    </section>
  );
}
