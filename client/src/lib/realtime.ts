import { resetUserState, useStore } from '../store';
import { api, isApiError, setUnauthorizedHandler } from './api';
import { newClientMsgId } from './id';
import { loadOutbox, saveOutbox, sendable, type OutboxItem } from './outbox';
import { ReconnectingSocket, type SocketLike, type SocketStatus } from './socket';
import { lastSeqOf } from './timeline';
import type { Message, Room, ServerFrame, User } from './wire';

/**
 * The bridge between the socket and the store: subscriptions with resume, the outbox, read
 * cursors, typing, and the HTTP fallback when WebSockets cannot connect at all. It updates the
 * store only through getState()/setState().
 */

/** Consecutive failed socket attempts (never reaching `ready`) before falling back to HTTP. */
export const FALLBACK_AFTER_FAILURES = 3;
export const POLL_INTERVAL_MS = 3_000;
/** In fallback mode the sidebar (other rooms) refreshes every this many polls. */
const ROOMS_REFRESH_EVERY = 4;
const PAGE_SIZE = 50;

const get = () => useStore.getState();

let socket: ReconnectingSocket | null = null;
let currentUser: User | null = null;
let connectionNo = 0;
/** clientMsgId -> the connection it was last sent on (no resend on the same one). */
const sentOn = new Map<string, number>();
const lastReadSent = new Map<string, number>();
/** Quiet retries of sends the server refused with UNAVAILABLE (nothing stored, try later). */
const UNAVAILABLE_RETRIES = 3;
const unavailableTries = new Map<string, number>();
let pollTimer: ReturnType<typeof setInterval> | null = null;
let pollTick = 0;
let polling = false;
let typingTimer: ReturnType<typeof setInterval> | null = null;
let unsubscribeOutbox: (() => void) | null = null;
let sessionEndedHandler: (() => void) | null = null;
const cleanups: Array<() => void> = [];

function storage(): Storage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined;
  }
}

function wsUrl(): string {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}/ws`;
}

export interface RealtimeOptions {
  /** Tests pass a fake socket. */
  createSocket?: (url: string) => SocketLike;
}

export function startRealtime(user: User, onSessionEnded: () => void, opts: RealtimeOptions = {}): void {
  stopRealtime();
  currentUser = user;
  sessionEndedHandler = onSessionEnded;

  // The outbox survives reloads: restore it, and persist every change.
  const restored = loadOutbox(storage(), user.id).map((i): OutboxItem => ({ ...i }));
  get().setOutbox(restored);
  let lastSaved = get().outbox;
  unsubscribeOutbox = useStore.subscribe((state) => {
    if (state.outbox !== lastSaved && currentUser) {
      lastSaved = state.outbox;
      saveOutbox(storage(), currentUser.id, state.outbox);
    }
  });

  setUnauthorizedHandler(() => sessionEnded());

  socket = new ReconnectingSocket({
    url: wsUrl,
    createSocket: opts.createSocket,
    onStatus: onSocketStatus,
    onReady: () => onSocketReady(),
    onFrame: onFrame,
    onSessionEnded: () => sessionEnded(),
  });

  const onOnline = () => socket?.hintOnline();
  const onOffline = () => socket?.hintOffline();
  const onVisible = () => {
    if (document.visibilityState === 'visible') socket?.hintVisible();
  };
  window.addEventListener('online', onOnline);
  window.addEventListener('offline', onOffline);
  document.addEventListener('visibilitychange', onVisible);
  cleanups.push(() => {
    window.removeEventListener('online', onOnline);
    window.removeEventListener('offline', onOffline);
    document.removeEventListener('visibilitychange', onVisible);
  });
  if (!navigator.onLine) socket.hintOffline();

  typingTimer = setInterval(() => get().expireTyping(), 1_000);
  void refreshRooms();
  socket.start();
}

export function stopRealtime(): void {
  socket?.stop();
  socket = null;
  stopPolling();
  if (typingTimer) clearInterval(typingTimer);
  typingTimer = null;
  unsubscribeOutbox?.();
  unsubscribeOutbox = null;
  for (const fn of cleanups.splice(0)) fn();
  setUnauthorizedHandler(null);
  sentOn.clear();
  lastReadSent.clear();
  unavailableTries.clear();
  currentUser = null;
  useStore.getState().setConnection({ transport: 'ws', state: 'idle', retryAt: null, offline: false });
}

function sessionEnded(): void {
  if (!currentUser) return;
  stopRealtime();
  resetUserState();
  get().toast('Your session ended. Please log in again.', 'error');
  sessionEndedHandler?.();
}

export async function logout(): Promise<void> {
  // Stop first, so the 4001 close that the logout causes is not taken for an expired session.
  stopRealtime();
  try {
    await api.logout();
  } catch {
    /* the cookie may already be gone; we log out locally anyway */
  }
  resetUserState();
}

// ---------------------------------------------------------------------------------------------
// Socket events
// ---------------------------------------------------------------------------------------------

function onSocketStatus(status: SocketStatus): void {
  const { setConnection, connection } = get();
  setConnection({
    state: status.state,
    retryAt: status.retryAt,
    offline: status.offline,
    everConnected: status.everConnected || connection.everConnected,
  });
  if (
    status.state === 'waiting' &&
    !status.offline &&
    status.failures >= FALLBACK_AFTER_FAILURES &&
    get().connection.transport === 'ws'
  ) {
    void enterFallback();
  }
}

function onSocketReady(): void {
  connectionNo += 1;
  if (get().connection.transport === 'http') {
    stopPolling();
    get().setConnection({ transport: 'ws' });
  }
  for (const roomId of Object.keys(get().rooms)) subscribe(roomId);
}

function subscribe(roomId: string): void {
  if (!socket?.isOpen) return;
  const s = get();
  const room = s.rooms[roomId];
  const timeline = s.timelines[roomId];
  const held = lastSeqOf(timeline?.messages ?? []) ?? 0;
  // A loaded timeline resumes from the last message it holds, so the gap fills in; a room only
  // shown in the sidebar resumes from the last seq the server told us about.
  const sinceSeq = timeline?.loaded ? held : Math.max(held, room?.lastSeq ?? 0);
  socket.send({ type: 'subscribe', roomId, sinceSeq });
}

function onFrame(frame: ServerFrame): void {
  const s = get();
  switch (frame.type) {
    case 'subscribed': {
      s.setOnline(frame.roomId, frame.online);
      if (!frame.recovered) {
        if (s.timelines[frame.roomId]?.loaded) void loadLatest(frame.roomId);
        else void refreshRooms();
      }
      flushOutbox(frame.roomId);
      break;
    }
    case 'ack':
      sentOn.delete(frame.clientMsgId);
      s.receiveMessages(frame.message.roomId, [frame.message]);
      break;
    case 'message': {
      const m = frame.message;
      s.receiveMessages(m.roomId, [m]);
      if (m.author.id !== currentUser?.id && s.activeRoomId === m.roomId) {
        s.announce(`${m.author.username}: ${m.body.slice(0, 200)}`);
      }
      break;
    }
    case 'typing':
      if (frame.user.id !== currentUser?.id) s.setTyping(frame.roomId, frame.user, frame.isTyping);
      break;
    case 'presence':
      s.setPresence(frame.roomId, frame.userId, frame.online);
      break;
    case 'member': {
      const room = s.rooms[frame.roomId];
      if (frame.user.id === currentUser?.id) {
        // Our own other tab joined or left.
        if (frame.action === 'left') s.removeRoom(frame.roomId);
        else if (!room) void refreshRooms();
        break;
      }
      if (frame.action === 'joined') s.memberJoined(frame.roomId, frame.user);
      else s.memberLeft(frame.roomId, frame.user.id);
      if (room) s.toast(`${frame.user.username} ${frame.action} ${room.name}`);
      break;
    }
    case 'read':
      s.markReadLocal(frame.roomId, frame.seq);
      lastReadSent.set(frame.roomId, Math.max(lastReadSent.get(frame.roomId) ?? 0, frame.seq));
      break;
    case 'error':
      onErrorFrame(frame.code, frame.message, frame.ref, frame.retryAfterMs);
      break;
    default:
      break;
  }
}

function onErrorFrame(code: string, message: string, ref?: string, retryAfterMs?: number): void {
  const s = get();
  const item = ref ? s.outbox.find((i) => i.clientMsgId === ref) : undefined;
  if (item) {
    sentOn.delete(item.clientMsgId);
    // UNAVAILABLE means nothing was stored and it is worth trying again: a few quiet retries
    // before the user is asked.
    const tries = (unavailableTries.get(item.clientMsgId) ?? 0) + 1;
    if (code === 'UNAVAILABLE' && tries <= UNAVAILABLE_RETRIES) {
      unavailableTries.set(item.clientMsgId, tries);
      setTimeout(() => {
        const current = get().outbox.find((i) => i.clientMsgId === item.clientMsgId);
        if (current) trySend(current);
      }, 1000 * 2 ** tries + Math.random() * 1000);
      return;
    }
    unavailableTries.delete(item.clientMsgId);
    s.markFailed(item.clientMsgId, describeSendError(code, message, retryAfterMs));
    return;
  }
  if (ref && s.rooms[ref] && (code === 'NOT_A_MEMBER' || code === 'ROOM_NOT_FOUND')) {
    s.removeRoom(ref);
    s.toast('You are no longer a member of that room.', 'error');
    return;
  }
  if (code === 'RATE_LIMITED') {
    s.toast(describeSendError(code, message, retryAfterMs), 'error');
    return;
  }
  s.toast(message || 'Something went wrong.', 'error');
}

export function describeSendError(code: string, message: string, retryAfterMs?: number): string {
  switch (code) {
    case 'RATE_LIMITED': {
      const secs = retryAfterMs ? Math.max(1, Math.ceil(retryAfterMs / 1000)) : null;
      return secs ? `Too fast: try again in ${secs} s` : 'Too fast: try again in a moment';
    }
    case 'MESSAGE_TOO_LONG':
      return 'Too long to send';
    case 'UNAVAILABLE':
      return 'Server busy: not sent';
    case 'NOT_A_MEMBER':
    case 'ROOM_NOT_FOUND':
      return 'You are not in this room';
    default:
      return message || 'Not sent';
  }
}

// ---------------------------------------------------------------------------------------------
// Sending
// ---------------------------------------------------------------------------------------------

export function sendMessage(roomId: string, body: string): void {
  const item: OutboxItem = {
    clientMsgId: newClientMsgId(),
    roomId,
    body,
    createdAt: new Date().toISOString(),
    status: 'pending',
  };
  get().enqueue(item);
  trySend(item);
}

export function retryMessage(clientMsgId: string): void {
  const item = get().outbox.find((i) => i.clientMsgId === clientMsgId);
  if (!item) return;
  get().markPending(clientMsgId);
  sentOn.delete(clientMsgId);
  trySend({ ...item, status: 'pending' });
}

export function discardMessage(clientMsgId: string): void {
  sentOn.delete(clientMsgId);
  get().discard(clientMsgId);
}

function trySend(item: OutboxItem): void {
  if (item.status !== 'pending') return;
  if (socket?.isOpen) {
    if (sentOn.get(item.clientMsgId) === connectionNo) return;
    if (socket.send({ type: 'send', roomId: item.roomId, clientMsgId: item.clientMsgId, body: item.body })) {
      sentOn.set(item.clientMsgId, connectionNo);
    }
    return;
  }
  if (get().connection.transport === 'http' && !get().connection.offline) void sendOverHttp(item);
  // Otherwise it waits in the outbox for the connection to return.
}

const httpInFlight = new Set<string>();
async function sendOverHttp(item: OutboxItem): Promise<void> {
  if (httpInFlight.has(item.clientMsgId)) return;
  httpInFlight.add(item.clientMsgId);
  try {
    const { message } = await api.send(item.roomId, item.clientMsgId, item.body);
    get().receiveMessages(message.roomId, [message]);
  } catch (err) {
    if (isApiError(err) && err.status >= 400 && err.status < 500 && err.status !== 408) {
      get().markFailed(item.clientMsgId, describeSendError(err.code, err.message, err.retryAfterMs));
    }
    // Network errors and 5xx: it stays pending and goes out with the next flush.
  } finally {
    httpInFlight.delete(item.clientMsgId);
  }
}

function flushOutbox(roomId?: string): void {
  for (const item of sendable(get().outbox, roomId)) trySend(item);
}

// ---------------------------------------------------------------------------------------------
// Rooms, history, reads, typing
// ---------------------------------------------------------------------------------------------

export async function refreshRooms(): Promise<void> {
  try {
    const { rooms } = await api.joinedRooms();
    const before = new Set(Object.keys(get().rooms));
    get().setJoinedRooms(rooms);
    for (const r of rooms) if (!before.has(r.id)) subscribe(r.id);
  } catch (err) {
    if (!isApiError(err, 'NETWORK') && !isApiError(err, 'TIMEOUT') && !isApiError(err, 'UNAUTHORIZED')) {
      get().toast('Could not load your rooms.', 'error');
    }
  }
}

/** After creating or joining a room. */
export function roomJoined(room: Room, inviteCode?: string): void {
  get().addRoom(room, inviteCode);
  subscribe(room.id);
}

export async function leaveRoom(roomId: string): Promise<void> {
  await api.leave(roomId);
  socket?.send({ type: 'unsubscribe', roomId });
  get().removeRoom(roomId);
}

/** Loads the latest page of a room over HTTP (first open, or when the socket could not recover). */
export async function loadLatest(roomId: string): Promise<void> {
  const { messages, hasMore } = await api.messages(roomId, { limit: PAGE_SIZE });
  get().setLatestPage(roomId, messages, hasMore);
}

const loadingOlder = new Set<string>();
export async function loadOlder(roomId: string): Promise<void> {
  const timeline = get().timelines[roomId];
  if (!timeline?.loaded || !timeline.hasMore || loadingOlder.has(roomId)) return;
  const first = timeline.messages[0];
  if (!first) return;
  loadingOlder.add(roomId);
  get().setLoadingOlder(roomId, true);
  try {
    const { messages, hasMore } = await api.messages(roomId, { before: first.seq, limit: PAGE_SIZE });
    get().prependPage(roomId, messages, hasMore);
  } catch {
    get().setLoadingOlder(roomId, false);
  } finally {
    loadingOlder.delete(roomId);
  }
}

/** Moves the read cursor forward (locally at once; to the server when it moved). */
export function markRead(roomId: string, seq: number): void {
  get().markReadLocal(roomId, seq);
  if ((lastReadSent.get(roomId) ?? 0) >= seq) return;
  const room = get().rooms[roomId];
  if (room && room.lastReadSeq > seq) return;
  lastReadSent.set(roomId, seq);
  if (socket?.isOpen) socket.send({ type: 'read', roomId, seq });
  else
    void api.read(roomId, seq).catch(() => {
      lastReadSent.delete(roomId);
    });
}

export function sendTyping(roomId: string, isTyping: boolean): void {
  socket?.send({ type: 'typing', roomId, isTyping });
}

export function connectNow(): void {
  socket?.hintOnline();
}

// ---------------------------------------------------------------------------------------------
// HTTP fallback: send with POST and poll `?after=` while the socket keeps trying
// ---------------------------------------------------------------------------------------------

async function enterFallback(): Promise<void> {
  try {
    await api.me();
  } catch (err) {
    if (isApiError(err) && err.status === 401) sessionEnded();
    return; // The server is unreachable too: nothing to fall back to.
  }
  if (socket?.isOpen || get().connection.transport === 'http') return;
  get().setConnection({ transport: 'http' });
  pollTick = 0;
  pollTimer = setInterval(() => void poll(), POLL_INTERVAL_MS);
  void poll();
  flushOutbox();
}

function stopPolling(): void {
  if (pollTimer) clearInterval(pollTimer);
  pollTimer = null;
}

async function poll(): Promise<void> {
  if (polling || get().connection.offline) return;
  polling = true;
  try {
    pollTick += 1;
    if (pollTick % ROOMS_REFRESH_EVERY === 1) await refreshRooms();
    const active = get().activeRoomId;
    for (const [roomId, timeline] of Object.entries(get().timelines)) {
      if (!timeline.loaded) continue;
      const held = lastSeqOf(timeline.messages) ?? 0;
      const known = get().rooms[roomId]?.lastSeq ?? 0;
      if (roomId !== active && known <= held) continue;
      let after = held;
      for (let page = 0; page < 10; page++) {
        const { messages, hasMore } = await api.messages(roomId, { after, limit: 100 });
        receiveFromPoll(roomId, messages);
        if (!hasMore || messages.length === 0) break;
        after = messages[messages.length - 1]!.seq;
      }
    }
    flushOutbox();
  } catch {
    /* the next tick tries again */
  } finally {
    polling = false;
  }
}

function receiveFromPoll(roomId: string, messages: Message[]): void {
  if (messages.length === 0) return;
  get().receiveMessages(roomId, messages);
  const last = messages[messages.length - 1]!;
  if (last.author.id !== currentUser?.id && get().activeRoomId === roomId) {
    get().announce(`${last.author.username}: ${last.body.slice(0, 200)}`);
  }
}
