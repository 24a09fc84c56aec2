import type { StateCreator } from 'zustand';
import type { JoinedRoom, Member, Room, User } from '../lib/wire';
import type { Store } from './index';

export interface RoomsSlice {
  /** Joined rooms by id. */
  rooms: Record<string, JoinedRoom>;
  roomsLoaded: boolean;
  /** Invite codes of private rooms, for their members. */
  inviteCodes: Record<string, string>;
  /** Member lists of rooms whose panel was opened. */
  members: Record<string, Member[]>;
  setJoinedRooms(rooms: JoinedRoom[]): void;
  /** A room just created or joined. */
  addRoom(room: Room, inviteCode?: string): void;
  /** Fresh room details (name, counts) without touching unread state. */
  updateRoom(room: Room, inviteCode?: string): void;
  removeRoom(roomId: string): void;
  setInviteCode(roomId: string, code: string): void;
  markReadLocal(roomId: string, seq: number): void;
  setMembers(roomId: string, members: Member[]): void;
  memberJoined(roomId: string, user: User): void;
  memberLeft(roomId: string, userId: string): void;
}

function without<T>(record: Record<string, T>, key: string): Record<string, T> {
  if (!(key in record)) return record;
  const next = { ...record };
  delete next[key];
  return next;
}

export const createRoomsSlice: StateCreator<Store, [], [], RoomsSlice> = (set, get) => ({
  rooms: {},
  roomsLoaded: false,
  inviteCodes: {},
  members: {},
  setJoinedRooms: (list) => {
    const prev = get().rooms;
    const rooms: Record<string, JoinedRoom> = {};
    for (const r of list) {
      const old = prev[r.id];
      // Keep what live frames already told us when it is newer than the list.
      if (old && old.lastSeq > r.lastSeq) rooms[r.id] = { ...r, lastSeq: old.lastSeq, lastMessage: old.lastMessage };
      else rooms[r.id] = r;
    }
    set({ rooms, roomsLoaded: true });
  },
  addRoom: (room, inviteCode) => {
    const existing = get().rooms[room.id];
    const joined: JoinedRoom = existing
      ? { ...existing, ...room, lastSeq: Math.max(existing.lastSeq, room.lastSeq) }
      : { ...room, role: 'member', lastReadSeq: room.lastSeq, unreadCount: 0, mentionCount: 0, lastMessage: null };
    set((s) => ({
      rooms: { ...s.rooms, [room.id]: joined },
      inviteCodes: inviteCode ? { ...s.inviteCodes, [room.id]: inviteCode } : s.inviteCodes,
    }));
  },
  updateRoom: (room, inviteCode) => {
    set((s) => {
      const existing = s.rooms[room.id];
      return {
        rooms: existing
          ? { ...s.rooms, [room.id]: { ...existing, ...room, lastSeq: Math.max(existing.lastSeq, room.lastSeq) } }
          : s.rooms,
        inviteCodes: inviteCode ? { ...s.inviteCodes, [room.id]: inviteCode } : s.inviteCodes,
      };
    });
  },
  removeRoom: (roomId) =>
    set((s) => ({
      rooms: without(s.rooms, roomId),
      members: without(s.members, roomId),
      timelines: without(s.timelines, roomId),
      online: without(s.online, roomId),
      typing: without(s.typing, roomId),
    })),
  setInviteCode: (roomId, code) => set((s) => ({ inviteCodes: { ...s.inviteCodes, [roomId]: code } })),
  markReadLocal: (roomId, seq) => {
    const room = get().rooms[roomId];
    if (!room) return;
    if (seq <= room.lastReadSeq && room.unreadCount === 0) return;
    const lastReadSeq = Math.max(room.lastReadSeq, seq);
    // Unread messages after the cursor that we hold (by others); 0 once the cursor reaches the end.
    let unreadCount = 0;
    if (lastReadSeq < room.lastSeq) {
      const me = get().user?.id;
      const msgs = get().timelines[roomId]?.messages ?? [];
      unreadCount = msgs.filter((m) => m.seq > lastReadSeq && m.author.id !== me).length;
    }
    set((s) => ({ rooms: { ...s.rooms, [roomId]: { ...room, lastReadSeq, unreadCount } } }));
  },
  setMembers: (roomId, members) => set((s) => ({ members: { ...s.members, [roomId]: members } })),
  memberJoined: (roomId, user) =>
    set((s) => {
      const room = s.rooms[roomId];
      const list = s.members[roomId];
      const known = list?.some((m) => m.user.id === user.id) ?? false;
      return {
        rooms: room && !known ? { ...s.rooms, [roomId]: { ...room, memberCount: room.memberCount + 1 } } : s.rooms,
        members:
          list && !known
            ? {
                ...s.members,
                [roomId]: [...list, { user, role: 'member', online: true, joinedAt: new Date().toISOString() }],
              }
            : s.members,
      };
    }),
  memberLeft: (roomId, userId) =>
    set((s) => {
      const room = s.rooms[roomId];
      const list = s.members[roomId];
      const known = list ? list.some((m) => m.user.id === userId) : true;
      return {
        rooms:
          room && known ? { ...s.rooms, [roomId]: { ...room, memberCount: Math.max(0, room.memberCount - 1) } } : s.rooms,
        members: list ? { ...s.members, [roomId]: list.filter((m) => m.user.id !== userId) } : s.members,
      };
    }),
});
