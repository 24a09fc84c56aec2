import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { isAbort, isApiError, request } from '../lib/api';
import { listboxKey } from '../lib/listbox';
import { withV2Fields } from '../lib/message-compat';
import { navigate, roomPath } from '../lib/router';
import { useDebounced } from '../lib/use-debounced';
import type { SearchResponse, SearchResult } from '../lib/wire';
import { useStore } from '../store';
import { useSync } from '../sync/SyncProvider';
import { Dialog } from './Dialog';
import { snippet } from '../lib/search-snippet';

/**
 * Message search (Ctrl/Cmd+K; lazy-loaded when opened): a combobox over the messages of the
 * user's rooms, or of the open room with "This room only". Results are grouped by room, newest
 * first, matched words in <mark>. Focus stays in the field; arrows move the active result
 * (aria-activedescendant), Enter or a click opens the room at that message, highlighted.
 */

/** Waits (at most 10 s) until the room's latest page is held, so the jump lands in a loaded room. */
function whenLoaded(roomId: string): Promise<void> {
  const loaded = () => Boolean(useStore.getState().timelines[roomId]?.loaded);
  if (loaded()) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      unsubscribe();
      clearTimeout(timer);
      resolve();
    };
    const unsubscribe = useStore.subscribe(() => loaded() && done());
    const timer = setTimeout(done, 10_000);
  });
}

function searchMessages(q: string, roomId: string | null, cursor: string | null, signal: AbortSignal): Promise<SearchResponse> {
  const params = new URLSearchParams({ q, limit: '20' });
  if (roomId) params.set('roomId', roomId);
  if (cursor) params.set('cursor', cursor);
  return request<SearchResponse>(`/api/search?${params}`, { signal });
}

export default function SearchDialog({ roomId, onClose }: { roomId: string | null; onClose: () => void }) {
  const id = useId();
  const sync = useSync();
  const rooms = useStore((s) => s.rooms);
  const [text, setText] = useState('');
  const [thisRoom, setThisRoom] = useState(false);
  const [results, setResults] = useState<SearchResult[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [status, setStatus] = useState<'idle' | 'loading' | 'done' | 'error'>('idle');
  const [error, setError] = useState('');
  const [active, setActive] = useState(-1);
  const inputRef = useRef<HTMLInputElement>(null);
  const q = useDebounced(text.trim());
  const scope = thisRoom && roomId ? roomId : null;

  const pending = useRef<AbortController | null>(null);
  /** Fetches a page: the first one of a query (replacing) or the next one (appending). */
  const fetchPage = (from: string | null) => {
    pending.current?.abort();
    const ctrl = new AbortController();
    pending.current = ctrl;
    setStatus('loading');
    searchMessages(q, scope, from, ctrl.signal)
      .then((page) => {
        const found = page.results.map((r) => ({ ...r, message: withV2Fields(r.message) }));
        setResults((prev) => (from ? [...prev, ...found] : found));
        setCursor(page.nextCursor);
        setStatus('done');
      })
      .catch((err: unknown) => {
        if (isAbort(err) || ctrl.signal.aborted) return;
        setError(isApiError(err) ? err.message : 'Search failed.');
        setStatus('error');
      });
  };
  // A new query or scope starts over.
  useEffect(() => {
    setResults([]);
    setCursor(null);
    setActive(-1);
    if (q) fetchPage(null);
    else setStatus('idle');
    return () => pending.current?.abort();
    // fetchPage reads q and scope, the triggers.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [q, scope]);

  // Grouped by room in the order of each room's newest match; `index` is the flat option order.
  const groups = useMemo(() => {
    const byRoom = new Map<string, { roomId: string; items: { result: SearchResult; index: number }[] }>();
    results.forEach((result, index) => {
      const key = result.message.roomId;
      if (!byRoom.has(key)) byRoom.set(key, { roomId: key, items: [] });
      byRoom.get(key)!.items.push({ result, index });
    });
    return [...byRoom.values()];
  }, [results]);
  const ordered = useMemo(() => groups.flatMap((g) => g.items.map((i) => i.result)), [groups]);

  const open = (result: SearchResult) => {
    const { roomId: target, seq } = result.message;
    onClose();
    navigate(roomPath(target));
    void whenLoaded(target).then(() => sync.jumpTo(target, seq, 'Showing the message found'));
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    const r = listboxKey(e.key, active, ordered.length);
    if (!r || r.kind === 'close') return; // Escape: the dialog's cancel closes it
    e.preventDefault();
    if (r.kind === 'move') setActive(r.active);
    else if (ordered[active]) open(ordered[active]);
  };
  useEffect(() => {
    if (active >= 0) document.getElementById(`${id}-opt-${active}`)?.scrollIntoView({ block: 'nearest' });
  }, [active, id]);

  const count = results.length;
  const summary =
    status === 'loading' ? 'Searching…' : status === 'error' ? error : status === 'done' ? (count ? `${count}${cursor ? '+' : ''} messages found` : 'No messages found') : '';
  let flat = 0;

  return (
    <Dialog title="Search messages" onClose={onClose} wide>
      <div className="space-y-3">
        <input
          ref={inputRef}
          autoFocus
          type="search"
          className="field w-full"
          placeholder='Words, "a phrase", -exclude'
          aria-label="Search messages"
          role="combobox"
          aria-expanded={count > 0}
          aria-controls={`${id}-list`}
          aria-autocomplete="list"
          aria-activedescendant={active >= 0 ? `${id}-opt-${active}` : undefined}
          value={text}
          maxLength={200}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
          data-testid="search-input"
        />
        {roomId && (
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" checked={thisRoom} onChange={(e) => setThisRoom(e.target.checked)} data-testid="search-this-room" />
            Search this room only ({rooms[roomId]?.name ?? 'this room'})
          </label>
        )}
        <p role="status" aria-live="polite" className="text-sm text-zinc-600 dark:text-zinc-400">
          {summary}
        </p>
        <div id={`${id}-list`} role="listbox" aria-label="Messages found" className="max-h-[60vh] space-y-3 overflow-y-auto">
          {groups.map((g) => (
            <div key={g.roomId} role="group" aria-labelledby={`${id}-room-${g.roomId}`}>
              <div id={`${id}-room-${g.roomId}`} role="presentation" className="px-2 pb-1 text-xs font-semibold tracking-wide text-zinc-600 uppercase dark:text-zinc-400">
                # {rooms[g.roomId]?.name ?? 'Room'}
              </div>
              {g.items.map(({ result }) => {
                const i = flat++;
                const m = result.message;
                return (
                  <div
                    key={m.id}
                    id={`${id}-opt-${i}`}
                    role="option"
                    aria-selected={i === active}
                    className={`cursor-pointer rounded-lg px-2 py-1.5 text-sm ${i === active ? 'bg-indigo-50 ring-2 ring-indigo-600 dark:bg-indigo-500/15' : 'hover:bg-zinc-100 dark:hover:bg-zinc-800'}`}
                    onMouseDown={(e) => e.preventDefault()}
                    onClick={() => open(result)}
                    data-testid="search-result"
                  >
                    <span className="font-semibold">{m.author.username}</span>{' '}
                    <span className="text-xs text-zinc-600 dark:text-zinc-400">{new Date(m.createdAt).toLocaleString()}</span>
                    <span className="block break-words">
                      {snippet(m.body, result.highlights).map((part, k) =>
                        part.mark ? (
                          <mark key={k} className="rounded bg-amber-200 px-0.5 text-zinc-900 dark:bg-amber-300">
                            {part.text}
                          </mark>
                        ) : (
                          <span key={k}>{part.text}</span>
                        ),
                      )}
                    </span>
                  </div>
                );
              })}
            </div>
          ))}
        </div>
        {cursor && status === 'done' && (
          <button type="button" className="btn-ghost w-full" onClick={() => fetchPage(cursor)}>
            More results
          </button>
        )}
      </div>
    </Dialog>
  );
}
