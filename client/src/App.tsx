import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { ConnectionBanner } from './components/ConnectionBanner';
import { LiveAnnouncer } from './components/LiveAnnouncer';
import { Sidebar } from './components/Sidebar';
import { Toasts } from './components/Toasts';
import { api, isApiError } from './lib/api';
import { navigate, parseRoute, usePathname } from './lib/router';
import type { User } from './lib/wire';
import { HomePage } from './pages/HomePage';
import { NotFoundPanel, RoomPage } from './pages/RoomPage';
import { useStore } from './store';
import { badgeCount } from './lib/format';
import { SyncProvider } from './sync/SyncProvider';

const DiscoverPage = lazy(() => import('./pages/DiscoverPage'));
const SettingsPage = lazy(() => import('./pages/SettingsPage'));
/** An invite link's landing page: rare, so in its own chunk (it shares use-join-by-invite with Discover). */
const JoinPage = lazy(() => import('./pages/JoinPage').then((m) => ({ default: m.JoinPage })));
/** Signed-in visits (most of them) never load the login and register forms. */
const AuthPage = lazy(() => import('./pages/AuthPage').then((m) => ({ default: m.AuthPage })));

// Signing in mounts the SyncProvider (below). When the session ends the store resets and the
// login form shows at the same address, so logging in again returns there.
function signedIn(user: User): void {
  useStore.getState().setUser(user);
}

function nextFromQuery(): string {
  const next = new URLSearchParams(location.search).get('next');
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

/**
 * "(2) Lobby · RtChat": the mentions of the reader in all rooms counted in the tab title, the open
 * room after them; "• Lobby · RtChat" when there are unread messages but no mentions.
 */
function useDocumentTitle(routeName: string, roomId: string | null): void {
  const mentions = useStore((s) => {
    let n = 0;
    for (const r of Object.values(s.rooms)) n += r.mentionCount;
    return n;
  });
  const anyUnread = useStore((s) => Object.values(s.rooms).some((r) => r.unreadCount > 0));
  const roomName = useStore((s) => (roomId ? s.rooms[roomId]?.name : undefined));
  useEffect(() => {
    const page = roomName ?? (routeName === 'discover' ? 'Discover rooms' : routeName === 'settings' ? 'Settings' : null);
    const mark = mentions > 0 ? `(${badgeCount(mentions)}) ` : anyUnread ? '• ' : '';
    document.title = `${mark}${page ? `${page} · ` : ''}RtChat`;
  }, [mentions, anyUnread, roomName, routeName]);
}

export function App() {
  const authStatus = useStore((s) => s.authStatus);
  const user = useStore((s) => s.user);
  const pathname = usePathname();
  const route = parseRoute(pathname);
  const [bootError, setBootError] = useState<string | null>(null);
  useDocumentTitle(route.name, route.name === 'room' ? route.roomId : null);

  const boot = useCallback(() => {
    setBootError(null);
    api
      .session()
      .then(({ user }) => (user ? signedIn(user) : useStore.getState().setUser(null)))
      .catch((err: unknown) => setBootError(isApiError(err) ? err.message : 'Could not reach the server.'));
  }, []);

  useEffect(boot, [boot]);

  // Logged in on the login or register page: go where the user was heading.
  useEffect(() => {
    if (authStatus === 'authenticated' && (route.name === 'login' || route.name === 'register')) {
      navigate(nextFromQuery(), { replace: true });
    }
  }, [authStatus, route.name]);

  if (bootError) {
    return (
      <div className="flex h-dvh flex-col items-center justify-center gap-4 p-6 text-center">
        <p role="alert">{bootError}</p>
        <button type="button" className="btn-primary" onClick={boot}>
          Try again
        </button>
      </div>
    );
  }

  if (authStatus === 'unknown') {
    return (
      <div className="flex h-dvh items-center justify-center" role="status" aria-label="Loading RtChat">
        <span className="h-8 w-8 animate-spin rounded-full border-2 border-zinc-300 border-t-indigo-600 dark:border-zinc-700 dark:border-t-indigo-400" />
      </div>
    );
  }

  if (authStatus === 'anonymous' || !user) {
    return (
      <>
        <Suspense fallback={null}>
          <AuthPage
            key={route.name === 'register' ? 'register' : 'login'}
            mode={route.name === 'register' ? 'register' : 'login'}
            onAuthenticated={(user) => {
              signedIn(user);
              if (route.name === 'login' || route.name === 'register') navigate(nextFromQuery(), { replace: true });
            }}
          />
        </Suspense>
        <Toasts />
      </>
    );
  }

  const activeRoomId = route.name === 'room' ? route.roomId : null;
  const listFirst = route.name === 'home' || route.name === 'login' || route.name === 'register';

  let content: React.ReactNode;
  switch (route.name) {
    case 'room':
      content = <RoomPage key={route.roomId} roomId={route.roomId} />;
      break;
    case 'discover':
      content = (
        <Suspense fallback={null}>
          <DiscoverPage />
        </Suspense>
      );
      break;
    case 'settings':
      content = (
        <Suspense fallback={null}>
          <SettingsPage />
        </Suspense>
      );
      break;
    case 'join':
      content = (
        <Suspense fallback={null}>
          <JoinPage key={route.inviteCode} inviteCode={route.inviteCode} />
        </Suspense>
      );
      break;
    case 'notFound':
      content = <NotFoundPanel what="page" />;
      break;
    default:
      content = <HomePage />;
  }

  return (
    <SyncProvider key={user.id} user={user}>
      <div className="flex h-dvh flex-col">
        <a
          href="#main"
          className="sr-only focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:z-50 focus:rounded-lg focus:bg-indigo-600 focus:px-3 focus:py-2 focus:text-white"
        >
          Skip to content
        </a>
        <ConnectionBanner />
        <div className="flex min-h-0 flex-1">
          <div
            className={`${listFirst ? 'flex' : 'hidden'} w-full shrink-0 flex-col border-r border-zinc-200 bg-zinc-50/60 md:flex md:w-72 lg:w-80 dark:border-zinc-800 dark:bg-zinc-900/40`}
          >
            <Sidebar activeRoomId={activeRoomId} discoverActive={route.name === 'discover'} />
          </div>
          <main id="main" className={`${listFirst ? 'hidden md:block' : 'block'} min-w-0 flex-1`}>
            {content}
          </main>
        </div>
        <Toasts />
        <LiveAnnouncer />
      </div>
    </SyncProvider>
  );
}
