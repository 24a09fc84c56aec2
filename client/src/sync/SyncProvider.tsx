import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import type { User } from '../lib/wire';
import { SyncSession } from './session';

const SyncContext = createContext<SyncSession | null>(null);

/**
 * Creates the sync session of the signed-in user, starts it on mount and stops it on unmount
 * (mount it keyed by the user's id). Everything below it reaches the session with useSync().
 */
export function SyncProvider({ user, children }: { user: User; children: ReactNode }) {
  const [session] = useState(() => new SyncSession({ user }));
  useEffect(() => {
    session.start();
    return () => session.stop();
  }, [session]);
  return <SyncContext.Provider value={session}>{children}</SyncContext.Provider>;
}

/** The sync session; only inside SyncProvider (the signed-in part of the app). */
export function useSync(): SyncSession {
  const session = useContext(SyncContext);
  if (!session) throw new Error('useSync() outside <SyncProvider>');
  return session;
}
