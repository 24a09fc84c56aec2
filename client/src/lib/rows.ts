import { dayKey } from './format';
import type { OutboxItem } from './outbox';
import type { Message, User } from './wire';

/** The rows of a room's message list: days, the unread divider, messages and pending sends. */
export type Row =
  | { kind: 'start'; key: string }
  | { kind: 'loader'; key: string }
  | { kind: 'day'; key: string; iso: string }
  | { kind: 'unread'; key: string }
  | { kind: 'message'; key: string; message: Message; head: boolean }
  | { kind: 'pending'; key: string; item: OutboxItem; author: User; head: boolean };

/** Messages of one author within this long join one group (one header). */
export const GROUP_GAP_MS = 5 * 60_000;

export function buildRows(opts: {
  messages: readonly Message[];
  pending: readonly OutboxItem[];
  me: User | null;
  hasMore: boolean;
  /** Messages by others with a greater seq are new; null for no divider. */
  unreadAfterSeq: number | null;
}): Row[] {
  const { messages, pending, me, hasMore, unreadAfterSeq } = opts;
  const rows: Row[] = [hasMore ? { kind: 'loader', key: 'loader' } : { kind: 'start', key: 'start' }];
  let prevDay = '';
  let prevAuthor = '';
  let prevTime = 0;
  let dividerPlaced = false;

  const place = (authorId: string, iso: string): boolean => {
    const day = dayKey(iso);
    const t = Date.parse(iso);
    let head = authorId !== prevAuthor || t - prevTime > GROUP_GAP_MS;
    if (day !== prevDay) {
      rows.push({ kind: 'day', key: `day:${day}`, iso });
      prevDay = day;
      head = true;
    }
    prevAuthor = authorId;
    prevTime = t;
    return head;
  };

  for (const m of messages) {
    if (!dividerPlaced && unreadAfterSeq !== null && m.seq > unreadAfterSeq && m.author.id !== me?.id) {
      rows.push({ kind: 'unread', key: 'unread' });
      dividerPlaced = true;
      prevAuthor = '';
    }
    const head = place(m.author.id, m.createdAt);
    rows.push({ kind: 'message', key: `${m.author.id}:${m.clientMsgId}`, message: m, head });
  }
  if (me) {
    for (const item of pending) {
      const head = place(me.id, item.createdAt);
      rows.push({ kind: 'pending', key: `${me.id}:${item.clientMsgId}`, item, author: me, head });
    }
  }
  return rows;
}
