import { lazy, memo, Suspense, useEffect, useRef, useState, type HTMLAttributes, type ReactNode } from 'react';
import { isDeleted, mentions } from '../lib/log-apply';
import { messagePermissions } from '../lib/message-permissions';
import type { Message } from '../lib/wire';
import { formatDay, formatFull, formatTime } from '../lib/format';
import { useSync } from '../sync/SyncProvider';
import type { Row } from '../lib/rows';
import { useStore } from '../store';
import { Avatar } from './Avatar';
import { AlertIcon, ClockIcon } from './Icons';
import { AttachmentSlots } from './AttachmentSlots';
import { MessageBody } from './MessageBody';
import { EditedMarker, Reactions, ReplyQuote } from './MessageParts';
import { GuestTag } from './GuestTag';

/** Loaded on the first edit: not part of the initial bundle. */
const InlineEditor = lazy(() => import('./InlineEditor'));
/**
 * The actions toolbar and menu are their own chunk (every action goes over HTTP, so nothing is
 * lost offline): fetched as soon as the first message shows, then every row renders it at once.
 */
const MessageActions = lazy(() => import('./MessageActions'));

/** A touch held this long opens the actions menu. */
const LONG_PRESS_MS = 500;

export const MessageRow = memo(function MessageRow({ row, meId }: { row: Row; meId?: string }) {
  switch (row.kind) {
    case 'start':
      return (
        <div className="px-4 pt-8 pb-4 text-center text-sm text-zinc-600 dark:text-zinc-400">
          This is the beginning of the room.
        </div>
      );
    case 'loader':
      return (
        <div className="flex justify-center py-4" aria-hidden="true">
          <span className="h-5 w-5 animate-spin rounded-full border-2 border-zinc-300 border-t-indigo-600 dark:border-zinc-700 dark:border-t-indigo-400" />
        </div>
      );
    case 'day':
      return (
        <div className="flex items-center gap-3 px-4 py-3" role="separator" aria-label={formatDay(row.iso)}>
          <span className="h-px flex-1 bg-zinc-200 dark:bg-zinc-800" />
          <span className="text-xs font-semibold text-zinc-600 dark:text-zinc-400">{formatDay(row.iso)}</span>
          <span className="h-px flex-1 bg-zinc-200 dark:bg-zinc-800" />
        </div>
      );
    case 'unread':
      return (
        <div className="flex items-center gap-3 px-4 py-2" role="separator" data-testid="unread-divider">
          <span className="h-px flex-1 bg-red-400 dark:bg-red-500" />
          <span className="text-xs font-semibold text-red-700 dark:text-red-400">New messages</span>
          <span className="h-px flex-1 bg-red-400 dark:bg-red-500" />
        </div>
      );
    case 'message':
      return <SentMessage message={row.message} head={row.head} meId={meId} />;
    case 'pending':
      return (
        <Bubble
          head={row.head}
          author={row.author}
          mine
          iso={row.item.createdAt}
          body={row.item.body}
          status={row.item.status}
          error={row.item.error}
          clientMsgId={row.item.clientMsgId}
          below={row.item.attachments?.length ? <AttachmentSlots attachments={row.item.attachments} pending /> : null}
        />
      );
  }
});

function PendingNote() {
  const canSend = useStore((s) => s.connection.state === 'open' || (s.connection.transport === 'http' && !s.connection.offline));
  return (
    <p className="mt-0.5 flex items-center gap-1 text-xs text-zinc-600 dark:text-zinc-400">
      <ClockIcon width={12} height={12} /> {canSend ? 'Sending…' : 'Waiting for connection…'}
    </p>
  );
}

/** A message of the log: reply quote, body (or tombstone or editor), reactions and actions. */
function SentMessage({ message: m, head, meId }: { message: Message; head: boolean; meId?: string }) {
  const me = useStore((s) => s.user);
  const role = useStore((s) => s.rooms[m.roomId]?.role);
  const editing = useStore((s) => s.editing?.messageId === m.id);
  const highlighted = useStore((s) => s.highlight?.roomId === m.roomId && s.highlight.seq === m.seq);
  const setEditing = useStore((s) => s.setEditing);
  const [longPress, setLongPress] = useState(0);
  const pressTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const mine = m.author.id === meId;
  const gone = isDeleted(m);
  const { canEdit, canDelete } = messagePermissions(m, meId, role);
  const cancelPress = () => {
    if (pressTimer.current) clearTimeout(pressTimer.current);
    pressTimer.current = null;
  };
  // A row scrolled out of the virtualized list unmounts: no press fires after that.
  useEffect(() => cancelPress, []);
  let body: ReactNode;
  if (gone) {
    body = (
      <p className="text-sm text-zinc-500 italic dark:text-zinc-400" data-testid="message-deleted">
        message deleted
      </p>
    );
  } else if (editing) {
    body = (
      <Suspense fallback={<p className="text-sm">{m.body}</p>}>
        <InlineEditor message={m} onDone={() => setEditing(null)} />
      </Suspense>
    );
  } else {
    body = (
      <>
        {(m.body || m.editedAt) && (
          <div className="flex flex-wrap items-baseline">
            <MessageBody text={m.body} me={me?.username} />
            {m.editedAt && <EditedMarker at={m.editedAt} />}
          </div>
        )}
        <AttachmentSlots attachments={m.attachments} />
      </>
    );
  }
  return (
    <Bubble
      head={head}
      author={m.author}
      mine={mine}
      iso={m.createdAt}
      body={m.body}
      seq={m.seq}
      status="sent"
      highlighted={highlighted}
      mentionsMe={!gone && !mine && mentions(m, meId)}
      above={!gone && m.replyTo ? <ReplyQuote roomId={m.roomId} reply={m.replyTo} /> : null}
      content={body}
      below={gone ? null : <Reactions message={m} meId={meId} />}
      overlay={
        gone || editing ? null : (
          <Suspense fallback={null}>
            <MessageActions message={m} canEdit={canEdit} canDelete={canDelete} longPress={longPress} />
          </Suspense>
        )
      }
      touch={{
        onTouchStart: () => {
          cancelPress();
          pressTimer.current = setTimeout(() => setLongPress((n) => n + 1), LONG_PRESS_MS);
        },
        onTouchEnd: cancelPress,
        onTouchMove: cancelPress,
      }}
    />
  );
}

function Bubble(props: {
  head: boolean;
  author: { id: string; username: string; displayName?: string | null; avatarUrl: string | null; isGuest?: boolean };
  mine: boolean;
  iso: string;
  body: string;
  status: 'sent' | 'pending' | 'failed';
  seq?: number;
  error?: string;
  clientMsgId?: string;
  highlighted?: boolean;
  mentionsMe?: boolean;
  /** Above the body (a reply quote). */
  above?: ReactNode;
  /** Instead of the plain body (tombstone, editor, body with marker). */
  content?: ReactNode;
  below?: ReactNode;
  /** Floating over the row (the actions toolbar). */
  overlay?: ReactNode;
  touch?: Pick<HTMLAttributes<HTMLDivElement>, 'onTouchStart' | 'onTouchEnd' | 'onTouchMove'>;
}) {
  const { head, author, iso, body, status } = props;
  const sync = useSync();
  const tint = props.highlighted
    ? 'bg-amber-100 dark:bg-amber-400/15'
    : props.mentionsMe
      ? 'bg-amber-50/70 hover:bg-amber-50 dark:bg-amber-400/5 dark:hover:bg-amber-400/10'
      : 'hover:bg-zinc-50 dark:hover:bg-zinc-900/60';
  return (
    <div
      className={`group relative flex gap-3 px-4 transition-colors ${tint} ${head ? 'pt-3 pb-0.5' : 'py-0.5'}`}
      data-testid="message"
      data-status={status}
      data-seq={props.seq}
      data-author={author.username}
      data-highlighted={props.highlighted || undefined}
      {...props.touch}
    >
      {props.overlay}
      <div className="relative w-9 shrink-0">
        {head ? (
          <Avatar user={author} />
        ) : (
          // Out of the flow, so it never changes the row's height.
          <time
            dateTime={iso}
            title={formatFull(iso)}
            className="invisible absolute top-1.5 right-0 text-[0.625rem] whitespace-nowrap text-zinc-600 group-hover:visible dark:text-zinc-400"
          >
            {formatTime(iso)}
          </time>
        )}
      </div>
      <div className={`min-w-0 flex-1 ${status === 'pending' ? 'opacity-70' : ''}`}>
        {head && (
          <div className="flex items-baseline gap-2">
            <span className="text-sm font-semibold" data-testid="author-name">
              {author.displayName ?? author.username}
            </span>
            {author.displayName && <span className="text-xs text-zinc-600 dark:text-zinc-400">@{author.username}</span>}
            {author.isGuest && <GuestTag />}
            <time dateTime={iso} title={formatFull(iso)} className="text-xs text-zinc-600 dark:text-zinc-400">
              {formatTime(iso)}
            </time>
          </div>
        )}
        {!head && <span className="sr-only">{author.displayName ?? author.username}: </span>}
        {props.above}
        {props.content ?? <MessageBody text={body} />}
        {props.below}
        {status === 'pending' && <PendingNote />}
        {status === 'failed' && props.clientMsgId && (
          <p className="mt-1 flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-red-700 dark:text-red-400" role="alert">
            <span className="inline-flex items-center gap-1">
              <AlertIcon width={14} height={14} /> Not sent{props.error ? `: ${props.error}` : ''}
            </span>
            <button
              type="button"
              className="font-semibold underline underline-offset-2"
              onClick={() => sync.retryMessage(props.clientMsgId!)}
            >
              Retry
            </button>
            <button
              type="button"
              className="underline underline-offset-2 opacity-80"
              onClick={() => sync.discardMessage(props.clientMsgId!)}
            >
              Delete
            </button>
          </p>
        )}
      </div>
    </div>
  );
}
