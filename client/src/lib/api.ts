import { withV2Fields } from './message-compat';
import type {
  AroundResponse,
  AuthResponse,
  EventsResponse,
  ErrorBody,
  JoinedRoomsResponse,
  MembersResponse,
  MessageResponse,
  MessagesResponse,
  RoomListResponse,
  RoomResponse,
  User,
} from './wire';

/** Every HTTP request gives up after this long. */
export const REQUEST_TIMEOUT_MS = 15_000;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function isApiError(err: unknown, code?: string): err is ApiError {
  return err instanceof ApiError && (code === undefined || err.code === code);
}

export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}

interface RequestOptions {
  method?: string;
  body?: unknown;
  signal?: AbortSignal;
  timeoutMs?: number;
}

let onUnauthorized: (() => void) | null = null;
/** Called when a request of a logged-in session gets 401 (the session ended elsewhere). */
export function setUnauthorizedHandler(fn: (() => void) | null): void {
  onUnauthorized = fn;
}

export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? REQUEST_TIMEOUT_MS);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method: opts.method ?? 'GET',
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      credentials: 'same-origin',
      signal,
    });
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    if (timeout.aborted) throw new ApiError(0, 'TIMEOUT', 'The server did not answer in time.');
    throw new ApiError(0, 'NETWORK', 'Could not reach the server. Check your connection.');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (!res.ok) {
    const body = (data ?? {}) as Partial<ErrorBody>;
    if (res.status === 401 && !path.startsWith('/api/auth/')) onUnauthorized?.();
    throw new ApiError(
      res.status,
      body.code ?? `HTTP_${res.status}`,
      body.message ?? res.statusText ?? 'Request failed',
      body.retryAfterMs,
    );
  }
  return data as T;
}

const enc = encodeURIComponent;

export const api = {
  me: (signal?: AbortSignal) => request<{ user: User }>('/api/auth/me', { signal }),
  /** The start-up probe: the signed-in user or null, never a 401. */
  session: (signal?: AbortSignal) => request<{ user: User | null }>('/api/auth/session', { signal }),
  register: (body: { username: string; password: string; email?: string }) =>
    request<AuthResponse>('/api/auth/register', { method: 'POST', body }),
  login: (body: { login: string; password: string }) =>
    request<AuthResponse>('/api/auth/login', { method: 'POST', body }),
  logout: () => request<void>('/api/auth/logout', { method: 'POST' }),

  joinedRooms: () => request<JoinedRoomsResponse>('/api/rooms/joined'),
  searchRooms: (q: string, signal?: AbortSignal, cursor?: string | null) => {
    const params = new URLSearchParams({ limit: '30' });
    if (q) params.set('q', q);
    if (cursor) params.set('cursor', cursor);
    return request<RoomListResponse>(`/api/rooms?${params}`, { signal });
  },
  createRoom: (body: { name: string; description?: string; isPrivate?: boolean }) =>
    request<RoomResponse>('/api/rooms', { method: 'POST', body }),
  room: (roomId: string, signal?: AbortSignal) => request<RoomResponse>(`/api/rooms/${enc(roomId)}`, { signal }),
  join: (roomId: string) => request<RoomResponse>(`/api/rooms/${enc(roomId)}/join`, { method: 'POST' }),
  joinByInvite: (inviteCode: string) =>
    request<RoomResponse>('/api/rooms/join', { method: 'POST', body: { inviteCode } }),
  leave: (roomId: string) => request<void>(`/api/rooms/${enc(roomId)}/leave`, { method: 'POST' }),
  members: (roomId: string, cursor?: string | null) => {
    const params = new URLSearchParams({ limit: '100' });
    if (cursor) params.set('cursor', cursor);
    return request<MembersResponse>(`/api/rooms/${enc(roomId)}/members?${params}`);
  },
  messages: async (roomId: string, page: { before?: number; after?: number; limit?: number } = {}) => {
    const params = new URLSearchParams({ limit: String(page.limit ?? 50) });
    if (page.before !== undefined) params.set('before', String(page.before));
    if (page.after !== undefined) params.set('after', String(page.after));
    const res = await request<MessagesResponse>(`/api/rooms/${enc(roomId)}/messages?${params}`);
    return { ...res, messages: res.messages.map(withV2Fields) };
  },
  /** The page centred on `seq` (a reply's original far back in history). */
  around: async (roomId: string, seq: number, limit = 50) => {
    const params = new URLSearchParams({ around: String(seq), limit: String(limit) });
    const res = await request<AroundResponse>(`/api/rooms/${enc(roomId)}/messages?${params}`);
    return { ...res, messages: res.messages.map(withV2Fields) };
  },
  /** The room log after `after`: exactly the frames a subscriber got (the HTTP fallback's poll). */
  events: async (roomId: string, after: number, limit = 100) => {
    const res = await request<EventsResponse>(`/api/rooms/${enc(roomId)}/events?after=${after}&limit=${limit}`);
    const events = res.events.map((e) => (e.type === 'message' ? { ...e, message: withV2Fields(e.message) } : e));
    return { ...res, events };
  },
  send: async (roomId: string, clientMsgId: string, body: string, replyToId?: string, attachmentIds: string[] = []) => {
    const res = await request<MessageResponse>(`/api/rooms/${enc(roomId)}/messages`, {
      method: 'POST',
      body: {
        clientMsgId,
        body,
        ...(replyToId ? { replyToId } : {}),
        ...(attachmentIds.length ? { attachmentIds } : {}),
      },
    });
    return { message: withV2Fields(res.message) };
  },
  edit: async (roomId: string, messageId: string, body: string) => {
    const res = await request<MessageResponse>(`/api/rooms/${enc(roomId)}/messages/${enc(messageId)}`, {
      method: 'PATCH',
      body: { body },
    });
    return { message: withV2Fields(res.message) };
  },
  deleteMessage: (roomId: string, messageId: string) =>
    request<void>(`/api/rooms/${enc(roomId)}/messages/${enc(messageId)}`, { method: 'DELETE' }),
  react: (roomId: string, messageId: string, emoji: string, add: boolean) =>
    request<void>(`/api/rooms/${enc(roomId)}/messages/${enc(messageId)}/reactions/${enc(emoji)}`, {
      method: add ? 'PUT' : 'DELETE',
    }),
  deleteAvatar: () => request<{ user: User }>('/api/users/me/avatar', { method: 'DELETE' }),
  deleteRoomImage: (roomId: string) => request<RoomResponse>(`/api/rooms/${enc(roomId)}/image`, { method: 'DELETE' }),
  read: (roomId: string, seq: number) =>
    request<void>(`/api/rooms/${enc(roomId)}/read`, { method: 'POST', body: { seq } }),
};
