import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useSync } from '../sync/SyncProvider';
import { buildRows } from '../lib/rows';
import type { OutboxItem } from '../lib/outbox';
import { useStore } from '../store';
import { ArrowDownIcon } from './Icons';
import { MessageRow } from './MessageRow';

const EMPTY_PENDING: OutboxItem[] = [];
/** Start loading the previous page when the reader is this close to the top (px). */
const LOAD_OLDER_MARGIN = 800;
/** How close to the bottom counts as "reading the latest" (px). */
const AT_END_PX = 80;

function useDocumentVisible(): boolean {
  const [visible, setVisible] = useState(() => document.visibilityState === 'visible');
  useEffect(() => {
    const on = () => setVisible(document.visibilityState === 'visible');
    document.addEventListener('visibilitychange', on);
    return () => document.removeEventListener('visibilitychange', on);
  }, []);
  return visible;
}

export function MessageList({
  roomId,
  unreadAfterSeq,
  scrollToEndSignal,
}: {
  roomId: string;
  /** The read cursor when the room was opened: the "new messages" divider goes after it. */
  unreadAfterSeq: number | null;
  /** Changes when the user sends, so the list jumps to their message. */
  scrollToEndSignal: number;
}) {
  const timeline = useStore((s) => s.timelines[roomId]);
  const outbox = useStore((s) => s.outbox);
  const me = useStore((s) => s.user);
  const setReadingRoom = useStore((s) => s.setReadingRoom);
  const sync = useSync();
  const visible = useDocumentVisible();

  const messages = timeline?.messages;
  const hasMore = timeline?.hasMore ?? false;
  const pending = useMemo(() => {
    const mine = outbox.filter((i) => i.roomId === roomId);
    return mine.length ? mine : EMPTY_PENDING;
  }, [outbox, roomId]);

  const rows = useMemo(
    () => buildRows({ messages: messages ?? [], pending, me, hasMore, unreadAfterSeq }),
    [messages, pending, me, hasMore, unreadAfterSeq],
  );

  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: (i) => (rows[i]?.kind === 'message' && rows[i].head ? 64 : 32),
    getItemKey: (i) => rows[i]!.key,
    overscan: 8,
    anchorTo: 'end',
    followOnAppend: true,
    scrollEndThreshold: AT_END_PX,
    paddingEnd: 12,
  });

  const [atEnd, setAtEnd] = useState(true);
  const lastSeq = messages && messages.length ? messages[messages.length - 1]!.seq : 0;
  /** The last seq seen while at the bottom: messages after it count as "new" for the jump button. */
  const seenSeqRef = useRef(lastSeq);
  if (atEnd) seenSeqRef.current = lastSeq;
  const newCount = useMemo(() => {
    if (atEnd || !messages) return 0;
    let n = 0;
    for (let i = messages.length - 1; i >= 0 && messages[i]!.seq > seenSeqRef.current; i--) {
      if (messages[i]!.author.id !== me?.id) n++;
    }
    return n;
  }, [atEnd, messages, me]);

  const checkAtEnd = useCallback(() => {
    const el = scrollRef.current;
    if (el) setAtEnd(el.scrollHeight - el.scrollTop - el.clientHeight <= AT_END_PX);
  }, []);

  // Start at the latest message.
  const startedRef = useRef(false);
  useLayoutEffect(() => {
    if (startedRef.current || !timeline?.loaded) return;
    startedRef.current = true;
    // Open at the first unread message when there is one, else at the latest.
    const divider = rows.findIndex((r) => r.kind === 'unread');
    if (divider > 0) {
      virtualizer.scrollToIndex(divider, { align: 'start' });
      // Not "at the end" until the layout says so: nothing is marked read behind the reader's back.
      setAtEnd(false);
      requestAnimationFrame(() => requestAnimationFrame(checkAtEnd));
    } else virtualizer.scrollToEnd();
  }, [timeline?.loaded, virtualizer, rows, checkAtEnd]);

  // Sending jumps to the end.
  useEffect(() => {
    if (scrollToEndSignal > 0) virtualizer.scrollToEnd();
  }, [scrollToEndSignal, virtualizer]);

  const onScroll = useCallback(() => {
    const el = scrollRef.current;
    if (!el) return;
    checkAtEnd();
    if (el.scrollTop < LOAD_OLDER_MARGIN && startedRef.current) void sync.loadOlder(roomId);
  }, [roomId, checkAtEnd, sync]);

  // Short histories never scroll: keep loading until the viewport is full or nothing is left.
  useEffect(() => {
    const el = scrollRef.current;
    if (!el || !timeline?.loaded || !hasMore || timeline.loadingOlder) return;
    if (el.scrollHeight <= el.clientHeight + LOAD_OLDER_MARGIN) void sync.loadOlder(roomId);
  }, [timeline?.loaded, timeline?.loadingOlder, hasMore, roomId, rows.length, sync]);

  // Reading the latest in a visible tab: no unread counting, and the read cursor follows.
  const reading = atEnd && visible && !!timeline?.loaded;
  useEffect(() => {
    setReadingRoom(reading ? roomId : null);
    return () => setReadingRoom(null);
  }, [reading, roomId, setReadingRoom]);
  useEffect(() => {
    if (reading && lastSeq > 0) sync.markRead(roomId, lastSeq);
  }, [reading, lastSeq, roomId, sync]);

  const items = virtualizer.getVirtualItems();

  return (
    <div className="relative min-h-0 flex-1">
      <div
        ref={scrollRef}
        onScroll={onScroll}
        className="flex h-full flex-col overflow-y-auto overscroll-contain"
        role="region"
        aria-label="Messages"
        tabIndex={0}
        data-testid="message-scroller"
      >
        {!timeline?.loaded ? (
          <div className="m-auto flex flex-col items-center gap-3 text-sm text-zinc-600 dark:text-zinc-400" role="status">
            <span className="h-6 w-6 animate-spin rounded-full border-2 border-zinc-300 border-t-indigo-600 dark:border-zinc-700 dark:border-t-indigo-400" />
            Loading messages…
          </div>
        ) : (
          <div className="mt-auto shrink-0" style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {items.map((v) => {
              const row = rows[v.index]!;
              return (
                <div
                  key={v.key}
                  data-index={v.index}
                  ref={virtualizer.measureElement}
                  className="absolute top-0 left-0 w-full"
                  style={{ transform: `translateY(${v.start}px)` }}
                >
                  <MessageRow row={row} meId={me?.id} />
                </div>
              );
            })}
          </div>
        )}
      </div>
      {!atEnd && timeline?.loaded && (
        <button
          type="button"
          onClick={() => virtualizer.scrollToEnd({ behavior: 'smooth' })}
          className="absolute right-4 bottom-3 inline-flex items-center gap-1.5 rounded-full bg-indigo-600 px-3.5 py-2 text-sm font-medium text-white shadow-lg hover:bg-indigo-700"
          data-testid="jump-to-latest"
        >
          <ArrowDownIcon width={16} height={16} />
          {newCount > 0 ? `${newCount} new message${newCount === 1 ? '' : 's'}` : 'Jump to latest'}
        </button>
      )}
    </div>
  );
}
