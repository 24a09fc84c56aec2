import type { StateCreator } from 'zustand';
import type { User } from '../lib/wire';
import type { Store } from './index';

/** The server expires a typing notice by itself after 5 s; so do we. */
export const TYPING_TTL_MS = 5_000;

export interface TypingEntry {
  user: User;
  until: number;
}

export interface PresenceSlice {
  /** Online member ids per subscribed room. */
  online: Record<string, string[]>;
  typing: Record<string, TypingEntry[]>;
  setOnline(roomId: string, userIds: string[]): void;
  setPresence(roomId: string, userId: string, online: boolean): void;
  setTyping(roomId: string, user: User, isTyping: boolean, now?: number): void;
  /** Drops expired typing notices; returns whether anything changed. */
  expireTyping(now?: number): boolean;
}

export const createPresenceSlice: StateCreator<Store, [], [], PresenceSlice> = (set, get) => ({
  online: {},
  typing: {},
  setOnline: (roomId, userIds) => set((s) => ({ online: { ...s.online, [roomId]: [...new Set(userIds)] } })),
  setPresence: (roomId, userId, isOnline) =>
    set((s) => {
      const list = s.online[roomId] ?? [];
      const has = list.includes(userId);
      if (has === isOnline) return {};
      return { online: { ...s.online, [roomId]: isOnline ? [...list, userId] : list.filter((id) => id !== userId) } };
    }),
  setTyping: (roomId, user, isTyping, now = Date.now()) =>
    set((s) => {
      const list = (s.typing[roomId] ?? []).filter((t) => t.user.id !== user.id);
      if (isTyping) list.push({ user, until: now + TYPING_TTL_MS });
      return { typing: { ...s.typing, [roomId]: list } };
    }),
  expireTyping: (now = Date.now()) => {
    const typing = get().typing;
    let changed = false;
    const next: Record<string, TypingEntry[]> = {};
    for (const [roomId, list] of Object.entries(typing)) {
      const kept = list.filter((t) => t.until > now);
      if (kept.length !== list.length) changed = true;
      next[roomId] = kept;
    }
    if (changed) set({ typing: next });
    return changed;
  },
});
