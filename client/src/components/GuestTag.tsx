/** The "guest" tag next to a guest's name (messages, members, the user menu). */
export const GuestTag = () => (
  <span className="rounded bg-zinc-200 px-1 text-xs text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300" data-testid="guest-tag">
    guest
  </span>
);
