import { useSyncExternalStore } from 'react';

/** A tiny History API router: enough for a handful of routes, no dependency. */
export type Route =
  | { name: 'home' }
  | { name: 'login' }
  | { name: 'register' }
  | { name: 'discover' }
  | { name: 'settings' }
  | { name: 'room'; roomId: string }
  | { name: 'join'; inviteCode: string }
  | { name: 'notFound' };

export function parseRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/') return { name: 'home' };
  if (path === '/login') return { name: 'login' };
  if (path === '/register') return { name: 'register' };
  if (path === '/discover') return { name: 'discover' };
  if (path === '/settings') return { name: 'settings' };
  let m = /^\/rooms\/([^/]+)$/.exec(path);
  if (m) return { name: 'room', roomId: decodeURIComponent(m[1]!) };
  m = /^\/join\/([^/]+)$/.exec(path);
  if (m) return { name: 'join', inviteCode: decodeURIComponent(m[1]!) };
  return { name: 'notFound' };
}

const listeners = new Set<() => void>();
function emit(): void {
  for (const l of listeners) l();
}

if (typeof window !== 'undefined') window.addEventListener('popstate', emit);

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (to === location.pathname + location.search) return;
  if (opts.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  emit();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function getPath(): string {
  return location.pathname;
}

export function usePathname(): string {
  return useSyncExternalStore(subscribe, getPath, () => '/');
}

export function useRoute(): Route {
  return parseRoute(usePathname());
}

export function roomPath(roomId: string): string {
  return `/rooms/${encodeURIComponent(roomId)}`;
}
