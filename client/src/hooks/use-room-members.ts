import { useEffect, useState } from 'react';
import { api } from '../lib/api';
import type { Member } from '../lib/wire';
import { useStore } from '../store';

/** Pages of members fetched at most (100 each). */
const MAX_MEMBER_PAGES = 20;

export async function fetchAllMembers(roomId: string): Promise<Member[]> {
  const all: Member[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_MEMBER_PAGES; page++) {
    const res = await api.members(roomId, cursor);
    all.push(...res.members);
    cursor = res.nextCursor;
    if (!cursor) break;
  }
  return all;
}

/**
 * The room's members, loaded into the store when `enabled` (the members panel fetches afresh each
 * time it opens; autocomplete and reaction tooltips load once and use what is held). `error` is
 * true when the last load failed.
 */
export function useRoomMembers(roomId: string, enabled: boolean, refresh = false): { members: Member[] | undefined; error: boolean } {
  const members = useStore((s) => s.members[roomId]);
  const [error, setError] = useState(false);
  const needed = enabled && (refresh || !members);
  useEffect(() => {
    if (!needed) return;
    let cancelled = false;
    setError(false);
    fetchAllMembers(roomId)
      .then((all) => {
        if (!cancelled) useStore.getState().setMembers(roomId, all);
      })
      .catch(() => {
        if (!cancelled) setError(true);
      });
    return () => {
      cancelled = true;
    };
    // `refresh` loads once per mount; `members` arriving does not re-run it.
  }, [roomId, enabled, refresh]);
  return { members, error };
}
