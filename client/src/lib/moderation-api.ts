import { request } from './api';
import type { AuditResponse, BansResponse, Member, Role, Room } from './wire';

/** Running a room (owner or moderator): loaded with the settings dialog and the member menu only. */
const base = (roomId: string) => `/api/rooms/${encodeURIComponent(roomId)}`;
const who = (userId: string) => encodeURIComponent(userId);

export const moderationApi = {
  update: (roomId: string, body: { name?: string; description?: string; slowModeSec?: number }) =>
    request<{ room: Room }>(base(roomId), { method: 'PATCH', body }),
  rotateInvite: (roomId: string) => request<{ inviteCode: string }>(`${base(roomId)}/invite-code`, { method: 'POST' }),
  deleteRoom: (roomId: string) => request<void>(base(roomId), { method: 'DELETE' }),
  setRole: (roomId: string, userId: string, role: Role) =>
    request<{ member: Member }>(`${base(roomId)}/members/${who(userId)}/role`, { method: 'PUT', body: { role } }),
  kick: (roomId: string, userId: string) => request<void>(`${base(roomId)}/members/${who(userId)}/kick`, { method: 'POST' }),
  ban: (roomId: string, userId: string, reason: string) =>
    request<void>(`${base(roomId)}/bans/${who(userId)}`, { method: 'PUT', body: { reason } }),
  unban: (roomId: string, userId: string) => request<void>(`${base(roomId)}/bans/${who(userId)}`, { method: 'DELETE' }),
  bans: (roomId: string) => request<BansResponse>(`${base(roomId)}/bans`),
  audit: (roomId: string, cursor?: string | null) =>
    request<AuditResponse>(`${base(roomId)}/audit?limit=30${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`),
};

/** The slow-mode choices the settings offer (the server takes any whole second up to 6 h). */
export const SLOW_MODE_CHOICES: [number, string][] = [
  [0, 'Off'],
  [5, '5 seconds'],
  [10, '10 seconds'],
  [30, '30 seconds'],
  [60, '1 minute'],
  [300, '5 minutes'],
  [900, '15 minutes'],
  [3600, '1 hour'],
  [21600, '6 hours'],
];
