import { useEffect, useState } from 'react';
import { isApiError } from '../lib/api';
import { formatFull } from '../lib/format';
import { moderationApi } from '../lib/moderation-api';
import type { AuditEntry, Ban } from '../lib/wire';

const ACTION_TEXT: Record<AuditEntry['action'], string> = {
  settings: 'changed the settings',
  invite_rotated: 'made a new invite code',
  role: 'changed the role of',
  ownership: 'handed ownership to',
  kick: 'removed',
  ban: 'banned',
  unban: 'lifted the ban of',
  message_deleted: 'deleted a message by',
  room_deleted: 'deleted the room',
};

/** The bans (with unban) or the audit log of a room, newest first. */
export default function ModerationLists({ roomId, what }: { roomId: string; what: 'bans' | 'audit' }) {
  return what === 'bans' ? <Bans roomId={roomId} /> : <Audit roomId={roomId} />;
}

function Bans({ roomId }: { roomId: string }) {
  const [bans, setBans] = useState<Ban[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    moderationApi.bans(roomId).then((r) => setBans(r.bans), (err: unknown) => setError(isApiError(err) ? err.message : 'Could not load the bans.'));
  }, [roomId]);
  const unban = async (ban: Ban) => {
    try {
      await moderationApi.unban(roomId, ban.user.id);
      setBans((list) => list?.filter((b) => b.user.id !== ban.user.id) ?? null);
    } catch (err) {
      setError(isApiError(err) ? err.message : 'Could not lift the ban.');
    }
  };
  if (error) return <p role="alert" className="mt-2 text-sm text-red-700 dark:text-red-400">{error}</p>;
  if (!bans) return <p role="status" className="mt-2 text-sm">Loading bans…</p>;
  if (!bans.length) return <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">Nobody is banned.</p>;
  return (
    <ul className="mt-2 max-h-48 space-y-1 overflow-y-auto" aria-label="Banned users" data-testid="bans">
      {bans.map((b) => (
        <li key={b.user.id} className="flex items-center gap-2 text-sm">
          <span className="min-w-0 flex-1 truncate">
            <strong>{b.user.username}</strong>
            {b.reason && <span className="text-zinc-600 dark:text-zinc-400"> · {b.reason}</span>}
          </span>
          <button type="button" className="btn-ghost px-2 py-1" onClick={() => void unban(b)} aria-label={`Unban ${b.user.username}`}>
            Unban
          </button>
        </li>
      ))}
    </ul>
  );
}

function Audit({ roomId }: { roomId: string }) {
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [error, setError] = useState('');
  const load = (from?: string | null) =>
    moderationApi.audit(roomId, from).then(
      (page) => {
        setEntries((list) => (from ? [...list, ...page.entries] : page.entries));
        setCursor(page.nextCursor);
      },
      (err: unknown) => setError(isApiError(err) ? err.message : 'Could not load the audit log.'),
    );
  useEffect(() => void load(), [roomId]); // eslint-disable-line react-hooks/exhaustive-deps
  if (error) return <p role="alert" className="mt-2 text-sm text-red-700 dark:text-red-400">{error}</p>;
  if (cursor === undefined) return <p role="status" className="mt-2 text-sm">Loading the audit log…</p>;
  return (
    <div className="mt-2">
      <ol className="max-h-56 space-y-1 overflow-y-auto text-sm" aria-label="Audit log" data-testid="audit-log">
        {entries.map((e) => (
          <li key={e.id}>
            <time dateTime={e.createdAt} className="text-zinc-600 dark:text-zinc-400">
              {formatFull(e.createdAt)}
            </time>{' '}
            <strong>{e.actor?.username ?? 'someone'}</strong> {ACTION_TEXT[e.action]} {e.target && <strong>{e.target.username}</strong>}
            {e.action === 'ban' && typeof e.details.reason === 'string' && e.details.reason && ` (${e.details.reason})`}
          </li>
        ))}
      </ol>
      {entries.length === 0 && <p className="text-sm text-zinc-600 dark:text-zinc-400">Nothing recorded yet.</p>}
      {cursor && (
        <button type="button" className="btn-ghost mt-1" onClick={() => void load(cursor)}>
          Load older
        </button>
      )}
    </div>
  );
}
