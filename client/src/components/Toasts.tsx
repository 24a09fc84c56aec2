import { useEffect } from 'react';
import { createPortal } from 'react-dom';
import { useStore } from '../store';
import type { Toast } from '../store/types';
import { CloseIcon } from './Icons';

const TOAST_MS = 5_000;

function ToastItem({ toast }: { toast: Toast }) {
  const dismiss = useStore((s) => s.dismissToast);
  useEffect(() => {
    const t = setTimeout(() => dismiss(toast.id), toast.kind === 'error' ? TOAST_MS * 1.6 : TOAST_MS);
    return () => clearTimeout(t);
  }, [toast, dismiss]);
  const tone =
    toast.kind === 'error'
      ? 'border-red-300 bg-red-50 text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100'
      : toast.kind === 'success'
        ? 'border-emerald-300 bg-emerald-50 text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100'
        : 'border-zinc-200 bg-white text-zinc-900 dark:border-zinc-700 dark:bg-zinc-800 dark:text-zinc-100';
  return (
    <li
      className={`pointer-events-auto flex items-start gap-2 rounded-xl border px-4 py-3 text-sm shadow-lg ${tone}`}
    >
      <span className="flex-1 break-words">{toast.text}</span>
      <button
        type="button"
        className="-my-1 -mr-2 rounded p-1 opacity-70 hover:opacity-100"
        onClick={() => dismiss(toast.id)}
        aria-label="Dismiss notification"
      >
        <CloseIcon width={16} height={16} />
      </button>
    </li>
  );
}

/**
 * Toasts float at the bottom centre, above the composer, clear of the sidebar and of the members
 * column on wide screens. While the members drawer fills a small screen they go into its flow
 * (the `toastOutlet` it provides), so they never cover a member row.
 */
export function Toasts() {
  const toasts = useStore((s) => s.toasts);
  const outlet = useStore((s) => s.toastOutlet);
  const list = (
    <ul className="flex w-full max-w-sm flex-col gap-2" data-testid="toasts">
      {toasts.map((t) => (
        <ToastItem key={t.id} toast={t} />
      ))}
    </ul>
  );
  if (outlet) {
    return createPortal(
      <div role="status" aria-live="polite" className="flex justify-center px-3 pb-3 empty:hidden">
        {toasts.length > 0 && list}
      </div>,
      outlet,
    );
  }
  return (
    <div role="status" aria-live="polite" className="pointer-events-none fixed inset-x-0 bottom-24 z-50 flex justify-center px-4">
      {list}
    </div>
  );
}
