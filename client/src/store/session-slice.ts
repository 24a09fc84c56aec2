import type { StateCreator } from 'zustand';
import type { User } from '../lib/wire';
import type { Store } from './index';

export type AuthStatus = 'unknown' | 'anonymous' | 'authenticated';

export interface SessionSlice {
  user: User | null;
  authStatus: AuthStatus;
  setUser(user: User | null): void;
}

export const createSessionSlice: StateCreator<Store, [], [], SessionSlice> = (set) => ({
  user: null,
  authStatus: 'unknown',
  setUser: (user) => set({ user, authStatus: user ? 'authenticated' : 'anonymous' }),
});
