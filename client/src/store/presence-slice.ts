import { TYPING_TTL_MS } from '../lib/wire';
import type { PresenceSlice, PresenceState, SliceCreator, TypingEntry } from './types';

export const initialPresenceState: PresenceState = { online: {}, typing: {} };

export const createPresenceSlice: SliceCreator<PresenceSlice, PresenceState> = (set, get) => ({
  ...initialPresenceState,
  setOnline: (roomId, userIds) => set((s) => ({ online: { ...s.online, [roomId]: [...new Set(userIds)] } })),
  setPresence: (roomId, userId, isOnline) =>
    set((s) => {
      const list = s.online[roomId] ?? [];
      const has = list.includes(userId);
      if (has === isOnline) return {};
      return { online: { ...s.online, [roomId]: isOnline ? [...list, userId] : list.filter((id) => id !== userId) } };
    }),
  // The server expires a typing notice by itself after TYPING_TTL_MS; so do we.
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
