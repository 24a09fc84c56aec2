import { create } from 'zustand';
import { createMessagesSlice, type MessagesSlice } from './messages-slice';
import { createOutboxSlice, type OutboxSlice } from './outbox-slice';
import { createPresenceSlice, type PresenceSlice } from './presence-slice';
import { createRoomsSlice, type RoomsSlice } from './rooms-slice';
import { createSessionSlice, type SessionSlice } from './session-slice';
import { createUiSlice, type UiSlice } from './ui-slice';

/** One store made of typed slices. Non-React code uses `useStore.getState()` / `setState()`. */
export type Store = SessionSlice & RoomsSlice & MessagesSlice & OutboxSlice & PresenceSlice & UiSlice;

export function createAppStore() {
  return create<Store>()((...a) => ({
    ...createSessionSlice(...a),
    ...createRoomsSlice(...a),
    ...createMessagesSlice(...a),
    ...createOutboxSlice(...a),
    ...createPresenceSlice(...a),
    ...createUiSlice(...a),
  }));
}

export const useStore = createAppStore();

/** Clears everything that belongs to a user (logout, session ended). */
export function resetUserState(): void {
  useStore.setState({
    user: null,
    authStatus: 'anonymous',
    rooms: {},
    roomsLoaded: false,
    inviteCodes: {},
    members: {},
    timelines: {},
    outbox: [],
    online: {},
    typing: {},
    readingRoomId: null,
  });
}
