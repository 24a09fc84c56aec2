/**
 * Plain constants of the wire contract, with no runtime dependencies, so the browser app can
 * import them as values (src/protocol.ts re-exports them next to the TypeBox schemas).
 */

/** Close codes used on /ws. */
export const CLOSE = {
  GOING_AWAY: 1001,
  TOO_BIG: 1009,
  SESSION_ENDED: 4001,
  POLICY: 4008,
  TOO_SLOW: 4009,
} as const;
export type CloseCode = (typeof CLOSE)[keyof typeof CLOSE];

/** Field limits that both sides check (the server is the authority). */
export const LIMITS = {
  USERNAME_MIN: 3,
  USERNAME_MAX: 24,
  PASSWORD_MIN: 8,
  PASSWORD_MAX: 256,
  DISPLAY_NAME_MAX: 48,
  /** A session's stored User-Agent is cut to this many characters. */
  USER_AGENT_MAX: 256,
  ROOM_NAME_MAX: 64,
  ROOM_DESCRIPTION_MAX: 500,
  /** The default of MESSAGE_MAX_CHARS. */
  MESSAGE_MAX_CHARS: 4000,
  /** Distinct emoji on one message (TOO_MANY_REACTIONS beyond). */
  REACTIONS_PER_MESSAGE: 20,
  /** unreadCount and mentionCount stop counting here (the UI shows "99+"). */
  UNREAD_CAP: 100,
  /** Code points of the original kept as a reply's excerpt. */
  REPLY_EXCERPT_CHARS: 120,
  /** Attachments per message (PROTOCOL: at most 10). */
  MAX_ATTACHMENTS: 10,
  /** Longest slow mode: 6 hours. */
  SLOW_MODE_MAX_SEC: 21600,
  /** Longest ban reason (code points after trimming). */
  BAN_REASON_MAX: 500,
  /** Characters of a message search query (GET /api/search?q=). */
  SEARCH_QUERY_MAX: 200,
} as const;

/** What the room audit records (room_audit.action, AuditEntry.action). */
export const AUDIT_ACTIONS = ['settings', 'invite_rotated', 'role', 'ownership', 'kick', 'ban', 'unban', 'message_deleted', 'room_deleted'] as const;
export const USERNAME_PATTERN = '^[A-Za-z0-9_]+$';

/** A typing indicator stops by itself this long after its last refresh (both sides use it). */
export const TYPING_TTL_MS = 5000;

/** The v2 fields of a message just sent: not edited, not deleted, nothing attached, quoted, mentioned or reacted. */
export function newMessageState() {
  return { editedAt: null, deletedAt: null, attachments: [], replyTo: null, mentions: [], mentionsRoom: false, reactions: [] };
}
