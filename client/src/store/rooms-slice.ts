import type { JoinedRoom } from '../lib/wire';
import type { RoomsSlice, RoomsState, SliceCreator } from './types';

export const initialRoomsState: RoomsState = { rooms: {}, roomsLoaded: false, inviteCodes: {}, members: {} };

export const createRoomsSlice: SliceCreator<RoomsSlice, RoomsState> = (set, get) => ({
  ...initialRoomsState,
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
      : {
          ...room,
          lastReadSeq: room.lastSeq,
          unreadCount: 0,
          mentionCount: 0,
          lastMessage: null,
          role: room.ownerId === get().user?.id ? 'owner' : 'member',
        };
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
  setInviteCode: (roomId, code) => set((s) => ({ inviteCodes: { ...s.inviteCodes, [roomId]: code } })),
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
  memberRoleChanged: (roomId, userId, role) =>
    set((s) => {
      const room = s.rooms[roomId];
      const list = s.members[roomId];
      const mine = room && userId === s.user?.id && room.role !== role;
      return {
        rooms: mine ? { ...s.rooms, [roomId]: { ...room, role } } : s.rooms,
        members: list ? { ...s.members, [roomId]: list.map((m) => (m.user.id === userId ? { ...m, role } : m)) } : s.members,
      };
    }),
});
