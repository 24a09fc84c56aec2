import type { DeleteChange, EditChange, ReactionChange } from '../lib/log-apply';
import type { OutboxItem } from '../lib/outbox';
import type { Theme } from '../lib/theme';
import type { JoinedRoom, Member, Message, Role, Room, User } from '../lib/wire';
import type { SocketState } from '../lib/socket-state';

/**
 * The shape of the one store: each slice is its state (data only, with an exported initial value
 * in the slice file) plus the actions that write that state and nothing else. Transitions that
 * span slices are in `CrossSliceActions` (store/actions.ts).
 */

// ---- session --------------------------------------------------------------------------------
export type AuthStatus = 'unknown' | 'anonymous' | 'authenticated';

export interface SessionState {
  user: User | null;
  authStatus: AuthStatus;
}
export interface SessionSlice extends SessionState {
  setUser(user: User | null): void;
}

// ---- rooms ----------------------------------------------------------------------------------
export interface RoomsState {
  /** Joined rooms by id. */
  rooms: Record<string, JoinedRoom>;
  roomsLoaded: boolean;
  /** Invite codes of private rooms, for their members. */
  inviteCodes: Record<string, string>;
  /** Member lists of rooms whose panel was opened. */
  members: Record<string, Member[]>;
}
export interface RoomsSlice extends RoomsState {
  setJoinedRooms(rooms: JoinedRoom[]): void;
  /** A room just created or joined. */
  addRoom(room: Room, inviteCode?: string): void;
  /** Fresh room details (name, counts) without touching unread state. */
  updateRoom(room: Room, inviteCode?: string): void;
  setInviteCode(roomId: string, code: string): void;
  setMembers(roomId: string, members: Member[]): void;
  memberJoined(roomId: string, user: User): void;
  memberLeft(roomId: string, userId: string): void;
  /** The owner changed a member's role: their badge in the members list, and our own role when it is us. */
  memberRoleChanged(roomId: string, userId: string, role: Role): void;
}

// ---- messages -------------------------------------------------------------------------------
export interface Timeline {
  /** Held messages, ascending seq, no duplicates, contiguous once `loaded`. */
  messages: Message[];
  /** The latest page was loaded over HTTP (before that only live frames are held). */
  loaded: boolean;
  /** Older pages exist before the first held message. */
  hasMore: boolean;
  loadingOlder: boolean;
  /**
   * The room log position applied to this timeline: the highest seq of a message or event taken
   * in. A log event at or below it was already applied and is ignored (dedupe by seq).
   */
  appliedSeq: number;
  /** A stretch of history away from the latest (a reply's original far back), or null. */
  window: TimelineWindow | null;
}
/** Messages around a seq, contiguous among themselves, not joined to the latest ones. */
export interface TimelineWindow {
  messages: Message[];
  hasOlder: boolean;
  hasNewer: boolean;
  loading: boolean;
}
export interface MessagesState {
  timelines: Record<string, Timeline>;
}
export interface MessagesSlice extends MessagesState {
  prependPage(roomId: string, messages: Message[], hasMore: boolean): void;
  setLoadingOlder(roomId: string, loading: boolean): void;
  /** Shows a window of history (`?around=`) instead of the latest messages. */
  openWindow(roomId: string, messages: Message[], hasOlder: boolean, hasNewer: boolean): void;
  /** A page before or after the window. */
  extendWindow(roomId: string, messages: Message[], side: 'older' | 'newer', hasMore: boolean): void;
  setWindowLoading(roomId: string, loading: boolean): void;
  /** Back to the latest messages. */
  closeWindow(roomId: string): void;
}

// ---- outbox ---------------------------------------------------------------------------------
export interface OutboxState {
  /** Unacknowledged messages of the current user, oldest first (persisted by sync/outbox-sender.ts). */
  outbox: OutboxItem[];
}
export interface OutboxSlice extends OutboxState {
  setOutbox(items: OutboxItem[]): void;
  enqueue(item: OutboxItem): void;
  markFailed(clientMsgId: string, error: string): void;
  markPending(clientMsgId: string): void;
  discard(clientMsgId: string): void;
}

// ---- presence -------------------------------------------------------------------------------
export interface TypingEntry {
  user: User;
  until: number;
}
export interface PresenceState {
  /** Online member ids per subscribed room. */
  online: Record<string, string[]>;
  typing: Record<string, TypingEntry[]>;
}
export interface PresenceSlice extends PresenceState {
  setOnline(roomId: string, userIds: string[]): void;
  setPresence(roomId: string, userId: string, online: boolean): void;
  setTyping(roomId: string, user: User, isTyping: boolean, now?: number): void;
  /** Drops expired typing notices; returns whether anything changed. */
  expireTyping(now?: number): boolean;
}

// ---- ui -------------------------------------------------------------------------------------
export type Transport = 'ws' | 'http';

export interface ConnectionInfo {
  state: SocketState;
  retryAt: number | null;
  offline: boolean;
  /** 'http' while WebSockets cannot connect and the app sends and polls over HTTP. */
  transport: Transport;
  everConnected: boolean;
  /** The server speaks a protocol version this app does not know: it must be reloaded. */
  outdated: boolean;
}

export type ToastKind = 'info' | 'success' | 'error';
export interface Toast {
  id: number;
  kind: ToastKind;
  text: string;
}

/** The part of the UI state that belongs to the signed-in user (cleared with the user). */
export interface UiUserState {
  /** The room whose latest messages are on screen in a visible tab (no unread counting there). */
  readingRoomId: string | null;
  /** The message to scroll to and highlight (a reply's original); `nonce` repeats a jump. */
  highlight: { roomId: string; seq: number; nonce: number } | null;
  /** The message the composer of a room replies to. */
  replyDrafts: Record<string, Message>;
  /** The message being edited in place, if any. */
  editing: { roomId: string; messageId: string } | null;
}
/** The part that belongs to the tab and survives a logout. */
export interface UiTabState {
  connection: ConnectionInfo;
  toasts: Toast[];
  theme: Theme;
  /** The room on screen, if any. */
  activeRoomId: string | null;
  /** The last polite screen-reader announcement (new messages in the open room). */
  announcement: { id: number; text: string } | null;
  /**
   * Where toasts go in the page flow instead of floating, while a surface that they must not
   * cover fills the screen (the members drawer on small screens); null: they float.
   */
  toastOutlet: HTMLElement | null;
}
export interface UiSlice extends UiUserState, UiTabState {
  setConnection(patch: Partial<ConnectionInfo>): void;
  toast(text: string, kind?: ToastKind): number;
  dismissToast(id: number): void;
  setTheme(theme: Theme): void;
  setReadingRoom(roomId: string | null): void;
  setActiveRoom(roomId: string | null): void;
  announce(text: string): void;
  setToastOutlet(el: HTMLElement | null): void;
  setHighlight(roomId: string, seq: number): void;
  clearHighlight(): void;
  setReplyDraft(roomId: string, message: Message | null): void;
  setEditing(editing: { roomId: string; messageId: string } | null): void;
}

// ---- transitions across slices (store/actions.ts) -------------------------------------------
export interface CrossSliceActions {
  /**
   * Messages from the server (live, replayed, acked or fetched): merged into the room's timeline,
   * the sidebar preview and unread count updated, the matching outbox item and typing cleared.
   */
  receiveMessages(roomId: string, messages: Message[]): void;
  /** The latest page over HTTP: replaces what is held before it, keeps newer live messages. */
  setLatestPage(roomId: string, messages: Message[], hasMore: boolean): void;
  /** Moves the local read cursor forward and recounts unread messages from those held. */
  markReadLocal(roomId: string, seq: number): void;
  /** Left or lost a room: its details, members, timeline, presence and typing go. */
  removeRoom(roomId: string): void;
  /** Clears everything that belongs to a user (logout, session ended). */
  resetUserState(): void;
}

// ---- the room log's events (store/log-actions.ts) -------------------------------------------
/** `seq` is the event's log position; a change this tab made itself (an HTTP answer) has none. */
type Logged<T> = T & { seq?: number };
export interface LogActions {
  applyEdit(roomId: string, change: Logged<EditChange>): void;
  applyDelete(roomId: string, change: Logged<DeleteChange>): void;
  applyReaction(roomId: string, change: Logged<ReactionChange>): void;
  /** A `mention` frame: a message mentioning us in a room this connection does not follow. */
  receiveMention(roomId: string, seq: number): void;
}

export type Store = SessionSlice &
  RoomsSlice &
  MessagesSlice &
  OutboxSlice &
  PresenceSlice &
  UiSlice &
  CrossSliceActions &
  LogActions;

/**
 * How a slice is made: `set` takes only the slice's own fields (a slice never writes another
 * slice's state; that is what actions.ts is for), `get` reads the whole store.
 */
export type SliceCreator<Slice, Own> = (
  set: (patch: OwnPatch<Own> | ((s: Store) => OwnPatch<Own>)) => void,
  get: () => Store,
) => Slice;
/** Some of the slice's own fields, and none of any other slice's (checked by the compiler). */
type OwnPatch<Own> = Partial<Own> & { [K in Exclude<keyof Store, keyof Own>]?: never };
