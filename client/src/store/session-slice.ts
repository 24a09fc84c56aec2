import type { SessionSlice, SessionState, SliceCreator } from './types';

/** Before the start-up probe answers, nobody knows who is there. */
export const initialSessionState: SessionState = { user: null, authStatus: 'unknown' };
/** After a logout or an ended session. */
export const signedOutSessionState: SessionState = { user: null, authStatus: 'anonymous' };

export const createSessionSlice: SliceCreator<SessionSlice, SessionState> = (set) => ({
  ...initialSessionState,
  setUser: (user) => set({ user, authStatus: user ? 'authenticated' : 'anonymous' }),
});
