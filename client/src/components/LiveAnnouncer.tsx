import { useStore } from '../store';

/** New messages in the open room, read politely by screen readers. */
export function LiveAnnouncer() {
  const announcement = useStore((s) => s.announcement);
  return (
    <div className="sr-only" aria-live="polite" aria-atomic="true" data-testid="live-announcer">
      {announcement ? <span key={announcement.id}>{announcement.text}</span> : null}
    </div>
  );
}
