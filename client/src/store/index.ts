import { create } from 'zustand';
import { createCrossSliceActions } from './actions';
import { createMessagesSlice } from './messages-slice';
import { createOutboxSlice } from './outbox-slice';
import { createPresenceSlice } from './presence-slice';
import { createRoomsSlice } from './rooms-slice';
import { createSessionSlice } from './session-slice';
import type { Store } from './types';
import { createUiSlice } from './ui-slice';

export type { Store } from './types';

/** One store made of typed slices. Non-React code uses `getState()` / `setState()`. */
export function createAppStore() {
  return create<Store>()((set, get) => ({
    ...createSessionSlice(set, get),
    ...createRoomsSlice(set, get),
    ...createMessagesSlice(set, get),
    ...createOutboxSlice(set, get),
    ...createPresenceSlice(set, get),
    ...createUiSlice(set, get),
    ...createCrossSliceActions(set, get),
  }));
}
export type AppStore = ReturnType<typeof createAppStore>;

/** The app's store; tests and sync sessions may be given their own from createAppStore(). */
export const useStore = createAppStore();
