import type { StateCreator } from 'zustand';
import type { SocketState } from '../lib/socket';
import type { Store } from './index';

export type Theme = 'light' | 'dark' | 'system';
export type Transport = 'ws' | 'http';

export interface ConnectionInfo {
  state: SocketState;
  retryAt: number | null;
  offline: boolean;
  /** 'http' while WebSockets cannot connect and the app sends and polls over HTTP. */
  transport: Transport;
  everConnected: boolean;
}

export type ToastKind = 'info' | 'success' | 'error';
export interface Toast {
  id: number;
  kind: ToastKind;
  text: string;
}

export interface UiSlice {
  connection: ConnectionInfo;
  toasts: Toast[];
  theme: Theme;
  /** The room whose latest messages are on screen in a visible tab (no unread counting there). */
  readingRoomId: string | null;
  /** The room on screen, if any. */
  activeRoomId: string | null;
  /** The last polite screen-reader announcement (new messages in the open room). */
  announcement: { id: number; text: string } | null;
  setConnection(patch: Partial<ConnectionInfo>): void;
  toast(text: string, kind?: ToastKind): number;
  dismissToast(id: number): void;
  setTheme(theme: Theme): void;
  setReadingRoom(roomId: string | null): void;
  setActiveRoom(roomId: string | null): void;
  announce(text: string): void;
}

let nextToastId = 1;
const MAX_TOASTS = 4;

export const createUiSlice: StateCreator<Store, [], [], UiSlice> = (set) => ({
  connection: { state: 'idle', retryAt: null, offline: false, transport: 'ws', everConnected: false },
  toasts: [],
  theme: 'system',
  readingRoomId: null,
  activeRoomId: null,
  announcement: null,
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
});
