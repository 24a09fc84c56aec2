/** Pieces shared by the settings page's sections (settings chunk only). */
export const CARD = 'rounded-2xl border border-zinc-200 bg-white p-5 dark:border-zinc-800 dark:bg-zinc-900';

export type Status = { kind: 'idle' } | { kind: 'busy' } | { kind: 'ok'; text: string } | { kind: 'error'; text: string };

export function StatusLine({ status, testId }: { status: Status; testId: string }) {
  return (
    <p role="status" aria-live="polite" data-testid={testId} className={`min-h-5 text-sm ${status.kind === 'error' ? 'text-red-700 dark:text-red-400' : 'text-zinc-700 dark:text-zinc-300'}`}>
      {status.kind === 'ok' || status.kind === 'error' ? status.text : ''}
    </p>
  );
}

