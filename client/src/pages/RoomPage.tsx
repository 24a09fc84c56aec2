import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { Composer } from '../components/Composer';
import { FileDropZone } from '../components/FileDropZone';
import { BackIcon, HashIcon, LinkIcon, LockIcon, LogOutIcon, PencilIcon, UsersIcon } from '../components/Icons';
import { Link } from '../components/Link';
import { RoomImage } from '../components/RoomImage';
import { MessageList } from '../components/MessageList';
import { TypingIndicator } from '../components/TypingIndicator';
import { api, isApiError } from '../lib/api';
import { plural } from '../lib/format';
import { useSync } from '../sync/SyncProvider';
import { useRoomMembers } from '../hooks/use-room-members';
import { useUploads } from '../hooks/use-uploads';
import type { JoinedRoom, Room } from '../lib/wire';
import { useStore } from '../store';

const InviteDialog = lazy(() => import('../components/InviteDialog'));
/** Settings, bans, audit and deletion for owners and moderators: loaded when opened. */
const RoomSettingsDialog = lazy(() => import('../components/RoomSettingsDialog'));
/** Shown on demand (leaving, a room you are not in): not part of the initial bundle. */
const LeaveDialog = lazy(() => import('../components/RoomPanels').then((m) => ({ default: m.LeaveDialog })));
const JoinPanel = lazy(() => import('../components/RoomPanels').then((m) => ({ default: m.JoinPanel })));
const LazyNotFound = lazy(() => import('../components/RoomPanels').then((m) => ({ default: m.NotFoundPanel })));
const ErrorPanel = lazy(() => import('../components/RoomPanels').then((m) => ({ default: m.ErrorPanel })));

/** "This room (or page) does not exist": a rare sight, loaded when shown. */
export function NotFoundPanel({ what }: { what?: string }) {
  return (
    <Suspense fallback={null}>
      <LazyNotFound what={what} />
    </Suspense>
  );
}
/** Out of the initial bundle: phones open it on demand, desktops a moment after the room. */
const MembersPanel = lazy(() => import('../components/MembersPanel').then((m) => ({ default: m.MembersPanel })));

type Status =
  | { kind: 'loading' }
  | { kind: 'ready' }
  | { kind: 'notFound' }
  | { kind: 'notMember'; room: Room }
  | { kind: 'error'; message: string };

export function RoomPage({ roomId }: { roomId: string }) {
  const room = useStore((s) => s.rooms[roomId]);
  const roomsLoaded = useStore((s) => s.roomsLoaded);
  const loaded = useStore((s) => s.timelines[roomId]?.loaded ?? false);
  const setActiveRoom = useStore((s) => s.setActiveRoom);
  const [status, setStatus] = useState<Status>({ kind: 'loading' });
  const isMember = !!room;
  const sync = useSync();

  useEffect(() => {
    setActiveRoom(roomId);
    return () => setActiveRoom(null);
  }, [roomId, setActiveRoom]);

  // Room details (fresh counts, invite code), or why it cannot be shown.
  useEffect(() => {
    if (!roomsLoaded) return;
    const ctrl = new AbortController();
    if (isMember) setStatus({ kind: 'ready' });
    else setStatus({ kind: 'loading' });
    api
      .room(roomId, ctrl.signal)
      .then(({ room: fresh, inviteCode }) => {
        const s = useStore.getState();
        if (s.rooms[roomId]) {
          s.updateRoom(fresh, inviteCode);
          setStatus({ kind: 'ready' });
        } else setStatus({ kind: 'notMember', room: fresh });
      })
      .catch((err: unknown) => {
        if (ctrl.signal.aborted) return;
        if (isApiError(err) && (err.status === 404 || err.status === 400)) setStatus({ kind: 'notFound' });
        else if (!isMember) setStatus({ kind: 'error', message: isApiError(err) ? err.message : 'Could not load the room.' });
      });
    return () => ctrl.abort();
    // Membership changes (join/leave) re-run this.
  }, [roomId, roomsLoaded, isMember]);

  // The latest page, once per room (live frames and resume keep it current after that).
  useEffect(() => {
    if (!isMember || loaded) return;
    sync.loadLatest(roomId).catch((err: unknown) => {
      if (isApiError(err, 'NOT_A_MEMBER')) useStore.getState().removeRoom(roomId);
      else if (isApiError(err) && err.status === 404) setStatus({ kind: 'notFound' });
    });
  }, [roomId, isMember, loaded, sync]);

  if (status.kind === 'notFound') return <NotFoundPanel />;
  if (status.kind === 'notMember') {
    return (
      <Suspense fallback={<CenteredSpinner />}>
        <JoinPanel room={status.room} />
      </Suspense>
    );
  }
  if (status.kind === 'error') {
    return (
      <Suspense fallback={null}>
        <ErrorPanel message={status.message} />
      </Suspense>
    );
  }
  if (!room) return <CenteredSpinner />;
  return <RoomView key={roomId} room={room} />;
}

function RoomView({ room }: { room: JoinedRoom }) {
  const [showMembers, setShowMembers] = useState(() => window.matchMedia?.('(min-width: 1280px)').matches ?? false);
  const [inviting, setInviting] = useState(false);
  const [settings, setSettings] = useState(false);
  const canManage = room.role === 'owner' || room.role === 'moderator';
  const [confirmLeave, setConfirmLeave] = useState(false);
  const [sentSignal, setSentSignal] = useState(0);
  // The divider for "new messages" stays where the read cursor was when the room was opened.
  const unreadAfterRef = useRef<number | null>(room.unreadCount > 0 ? room.lastReadSeq : null);
  // Names for the reaction tooltips and the @-autocomplete.
  useRoomMembers(room.id, true);
  const uploads = useUploads(room.id);

  return (
    <div className="flex h-full min-h-0">
      <FileDropZone labelledBy="room-title" onFiles={uploads.add}>
        <header className="flex items-center gap-2 border-b border-zinc-200 px-2 py-2 sm:px-4 dark:border-zinc-800">
          <Link href="/" className="icon-btn md:hidden" aria-label="Back to rooms">
            <BackIcon />
          </Link>
          <span className="hidden h-9 w-9 shrink-0 items-center justify-center overflow-hidden rounded-lg bg-zinc-100 text-zinc-700 sm:inline-flex dark:bg-zinc-800 dark:text-zinc-300">
            <RoomImage
              url={room.imageUrl}
              size={36}
              fallback={room.isPrivate ? <LockIcon width={18} height={18} /> : <HashIcon width={18} height={18} />}
            />
          </span>
          <div className="min-w-0 flex-1">
            <h1 id="room-title" className="truncate text-base font-semibold" data-testid="room-title">
              {room.name}
              {room.isPrivate && <span className="sr-only"> (private)</span>}
            </h1>
            {room.description && (
              <p className="truncate text-xs text-zinc-600 dark:text-zinc-400" title={room.description}>
                {room.description}
              </p>
            )}
          </div>
          <button
            type="button"
            className="btn-ghost px-2.5"
            onClick={() => setShowMembers((v) => !v)}
            aria-pressed={showMembers}
            aria-label={`Members: ${plural(room.memberCount, 'member')}`}
            data-testid="member-count"
          >
            <UsersIcon width={18} height={18} />
            <span className="tabular-nums">{room.memberCount}</span>
          </button>
          {canManage && (
            <button type="button" className="icon-btn" onClick={() => setSettings(true)} aria-label="Room settings" title="Room settings" data-testid="room-settings-button">
              <PencilIcon width={18} height={18} />
            </button>
          )}
          <button type="button" className="icon-btn" onClick={() => setInviting(true)} aria-label="Invite people" title="Invite people">
            <LinkIcon width={18} height={18} />
          </button>
          <button type="button" className="icon-btn" onClick={() => setConfirmLeave(true)} aria-label="Leave room" title="Leave room">
            <LogOutIcon width={18} height={18} />
          </button>
        </header>
        <MessageList roomId={room.id} unreadAfterSeq={unreadAfterRef.current} scrollToEndSignal={sentSignal} />
        <TypingIndicator roomId={room.id} />
        <Composer roomId={room.id} roomName={room.name} uploads={uploads} onSent={() => setSentSignal((n) => n + 1)} />
      </FileDropZone>
      {showMembers && (
        <div
          className="fixed inset-0 z-30 flex justify-end bg-black/30 lg:static lg:z-auto lg:w-64 lg:shrink-0 lg:bg-transparent"
          onClick={(e) => {
            if (e.target === e.currentTarget) setShowMembers(false);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Escape') setShowMembers(false);
          }}
        >
          <div className="h-full w-72 max-w-[85%] lg:w-full lg:max-w-none">
            <Suspense fallback={<MembersPanelShell />}>
              <MembersPanel
                roomId={room.id}
                onClose={() => setShowMembers(false)}
                overlay={!(window.matchMedia?.('(min-width: 1024px)').matches ?? true)}
              />
            </Suspense>
          </div>
        </div>
      )}
      {inviting && (
        <Suspense fallback={null}>
          <InviteDialog room={room} onClose={() => setInviting(false)} />
        </Suspense>
      )}
      {settings && (
        <Suspense fallback={null}>
          <RoomSettingsDialog room={room} onClose={() => setSettings(false)} />
        </Suspense>
      )}
      {confirmLeave && (
        <Suspense fallback={null}>
          <LeaveDialog room={room} onClose={() => setConfirmLeave(false)} />
        </Suspense>
      )}
    </div>
  );
}

/** The panel's frame while its code loads: the layout does not jump, and the panel is there at once. */
function MembersPanelShell() {
  return (
    <aside
      aria-label="Members"
      aria-busy="true"
      className="h-full w-full border-l border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-950"
      data-testid="members-panel"
    />
  );
}

function CenteredSpinner() {
  return (
    <div className="flex h-full items-center justify-center" role="status" aria-label="Loading">
      <span className="h-6 w-6 animate-spin rounded-full border-2 border-zinc-300 border-t-indigo-600 dark:border-zinc-700 dark:border-t-indigo-400" />
    </div>
  );
}
