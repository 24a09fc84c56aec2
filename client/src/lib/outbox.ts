/**
 * The outbox: messages the user wrote that the server has not acknowledged yet. Each keeps its
 * clientMsgId, so sending it again (after a reconnect or a reload) can never store it twice.
 * It is persisted per user, so a reload while offline loses nothing.
 */
import type { Attachment } from './wire';

export type OutboxStatus = 'pending' | 'failed';

export interface OutboxItem {
  clientMsgId: string;
  roomId: string;
  body: string;
  createdAt: string;
  status: OutboxStatus;
  /** Why the server refused it (failed items only). */
  error?: string;
  /** The message it replies to (same room). */
  replyToId?: string;
  /**
   * Uploads finished before the send, kept whole so the pending bubble shows them; their ids go
   * out as `attachmentIds` whenever the item is (re)sent, so an upload done before going offline
   * is sent with the message later.
   */
  attachments?: Attachment[];
}

/** The ids a send carries: those of the item's finished uploads. */
export function attachmentIds(item: Pick<OutboxItem, 'attachments'>): string[] {
  return item.attachments?.map((a) => a.id) ?? [];
}

function isAttachment(v: unknown): v is Attachment {
  if (!v || typeof v !== 'object') return false;
  const a = v as Record<string, unknown>;
  return (
    typeof a.id === 'string' &&
    (a.kind === 'image' || a.kind === 'video' || a.kind === 'file') &&
    typeof a.name === 'string' &&
    typeof a.url === 'string' &&
    typeof a.size === 'number'
  );
}

export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const KEY_PREFIX = 'rtchat.outbox.';

export function outboxKey(userId: string): string {
  return `${KEY_PREFIX}${userId}`;
}

function isItem(v: unknown): v is OutboxItem {
  if (!v || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return (
    typeof o.clientMsgId === 'string' &&
    typeof o.roomId === 'string' &&
    typeof o.body === 'string' &&
    typeof o.createdAt === 'string' &&
    (o.status === 'pending' || o.status === 'failed') &&
    (o.replyToId === undefined || typeof o.replyToId === 'string') &&
    (o.attachments === undefined || (Array.isArray(o.attachments) && o.attachments.every(isAttachment)))
  );
}

export function loadOutbox(storage: StorageLike | undefined, userId: string): OutboxItem[] {
  if (!storage) return [];
  try {
    const raw = storage.getItem(outboxKey(userId));
    if (!raw) return [];
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? parsed.filter(isItem) : [];
  } catch {
    return [];
  }
}

export function saveOutbox(storage: StorageLike | undefined, userId: string, items: readonly OutboxItem[]): void {
  if (!storage) return;
  try {
    if (items.length === 0) storage.removeItem(outboxKey(userId));
    else storage.setItem(outboxKey(userId), JSON.stringify(items));
  } catch {
    /* storage full or blocked: the outbox still lives in memory */
  }
}

export function addItem(items: readonly OutboxItem[], item: OutboxItem): OutboxItem[] {
  if (items.some((i) => i.clientMsgId === item.clientMsgId)) return items as OutboxItem[];
  return [...items, item];
}

export function removeItem(items: readonly OutboxItem[], clientMsgId: string): OutboxItem[] {
  const next = items.filter((i) => i.clientMsgId !== clientMsgId);
  return next.length === items.length ? (items as OutboxItem[]) : next;
}

export function removeItems(items: readonly OutboxItem[], clientMsgIds: ReadonlySet<string>): OutboxItem[] {
  if (clientMsgIds.size === 0) return items as OutboxItem[];
  const next = items.filter((i) => !clientMsgIds.has(i.clientMsgId));
  return next.length === items.length ? (items as OutboxItem[]) : next;
}

export function setStatus(
  items: readonly OutboxItem[],
  clientMsgId: string,
  status: OutboxStatus,
  error?: string,
): OutboxItem[] {
  let changed = false;
  const next = items.map((i) => {
    if (i.clientMsgId !== clientMsgId) return i;
    changed = true;
    const updated: OutboxItem = { ...i, status };
    if (error === undefined) delete updated.error;
    else updated.error = error;
    return updated;
  });
  return changed ? next : (items as OutboxItem[]);
}

/** What to send now: pending items, oldest first (the array keeps creation order). */
export function sendable(items: readonly OutboxItem[], roomId?: string): OutboxItem[] {
  return items.filter((i) => i.status === 'pending' && (roomId === undefined || i.roomId === roomId));
}
