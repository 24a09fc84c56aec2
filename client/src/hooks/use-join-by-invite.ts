import { useState } from 'react';
import { api } from '../lib/api';
import { describeInviteError } from '../lib/invite';
import { navigate, roomPath } from '../lib/router';
import { useStore } from '../store';
import { useSync } from '../sync/SyncProvider';

/**
 * Joins a room by invite code (an opened /join link or a typed code): on success the room is
 * added and subscribed and opened; on failure `error` says why in words.
 */
export function useJoinByInvite(via: 'link' | 'code'): {
  busy: boolean;
  error: string | null;
  join: (inviteCode: string) => Promise<void>;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const sync = useSync();
  const join = async (inviteCode: string) => {
    setBusy(true);
    setError(null);
    try {
      const { room, inviteCode: code } = await api.joinByInvite(inviteCode);
      sync.roomJoined(room, code ?? (room.isPrivate ? inviteCode : undefined));
      useStore.getState().toast(`Joined ${room.name}`, 'success');
      navigate(roomPath(room.id), { replace: via === 'link' });
    } catch (err) {
      setError(describeInviteError(err, via));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, join };
}
