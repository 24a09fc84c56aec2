import type { ConnectionInfo, SliceCreator, UiSlice, UiTabState, UiUserState } from './types';

export const initialUiUserState: UiUserState = { readingRoomId: null };

export const initialConnection: ConnectionInfo = {
  state: 'idle',
  retryAt: null,
  offline: false,
  transport: 'ws',
  everConnected: false,
  outdated: false,
};

export const initialUiTabState: UiTabState = {
  connection: initialConnection,
  toasts: [],
  theme: 'system',
  activeRoomId: null,
  announcement: null,
  toastOutlet: null,
};

let nextToastId = 1;
const MAX_TOASTS = 4;

export const createUiSlice: SliceCreator<UiSlice, UiUserState & UiTabState> = (set) => ({
  ...initialUiTabState,
  ...initialUiUserState,
  setConnection: (patch) => set((s) => ({ connection: { ...s.connection, ...patch } })),
  toast: (text, kind = 'info') => {
    const id = nextToastId++;
    set((s) => ({ toasts: [...s.toasts.slice(-(MAX_TOASTS - 1)), { id, kind, text }] }));
    return id;
  },
  dismissToast: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
  setTheme: (theme) => set({ theme }),
  setReadingRoom: (roomId) => set({ readingRoomId: roomId }),
  setActiveRoom: (roomId) => set({ activeRoomId: roomId }),
  announce: (text) => set((s) => ({ announcement: { id: (s.announcement?.id ?? 0) + 1, text } })),
  setToastOutlet: (toastOutlet) => set({ toastOutlet }),
});
