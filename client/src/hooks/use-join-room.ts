import { useState } from 'react';
import { api, isApiError } from '../lib/api';
import type { Room } from '../lib/wire';
import { useStore } from '../store';
import { useSync } from '../sync/SyncProvider';

/** Joins a public room by id: busy while the request runs, a toast when it fails. */
export function useJoinRoom(roomId: string, onJoined?: (room: Room) => void): { busy: boolean; join: () => Promise<void> } {
  const [busy, setBusy] = useState(false);
  const toast = useStore((s) => s.toast);
  const sync = useSync();
  const join = async () => {
    setBusy(true);
    try {
      const res = await api.join(roomId);
      sync.roomJoined(res.room, res.inviteCode);
      onJoined?.(res.room);
    } catch (err) {
      setBusy(false);
      toast(isApiError(err) ? err.message : 'Could not join the room.', 'error');
    }
  };
  return { busy, join };
}
