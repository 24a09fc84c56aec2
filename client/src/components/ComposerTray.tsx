import type { Uploads } from '../hooks/use-uploads';
import { formatBytes } from '../lib/files';
import { AlertIcon, CloseIcon, FileIcon } from './Icons';

/**
 * The files waiting in the composer: a preview, a progress bar per file while it uploads, the
 * reason a refused one was refused, and a button that cancels or removes it. Loaded with the
 * first file: not part of the initial bundle.
 */
export default function ComposerTray({ uploads }: { uploads: Uploads }) {
  return (
    <ul className="mb-1 flex gap-2 overflow-x-auto pb-1" aria-label="Files to send" data-testid="composer-tray">
      {uploads.items.map((u) => {
        const pct = Math.round(u.progress * 100);
        return (
          <li
            key={u.key}
            className={`relative flex w-32 shrink-0 flex-col overflow-hidden rounded-lg border bg-white text-xs dark:bg-zinc-900 ${u.status === 'failed' ? 'border-red-500' : 'border-zinc-300 dark:border-zinc-700'}`}
            data-testid="upload-item"
            data-status={u.status}
          >
            <div className="flex h-20 items-center justify-center bg-zinc-100 dark:bg-zinc-800">
              {u.previewUrl ? (
                <img src={u.previewUrl} alt="" className="h-full w-full object-cover" data-testid="upload-preview" />
              ) : (
                <FileIcon width={28} height={28} className="text-zinc-500 dark:text-zinc-400" />
              )}
            </div>
            <div className="px-2 py-1">
              <p className="truncate font-medium" title={u.name}>
                {u.name}
              </p>
              <p className="text-zinc-600 dark:text-zinc-400">{formatBytes(u.size)}</p>
              {u.status === 'uploading' && (
                <div
                  role="progressbar"
                  aria-label={`Uploading ${u.name}`}
                  aria-valuemin={0}
                  aria-valuemax={100}
                  aria-valuenow={pct}
                  className="mt-1 h-1.5 overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-700"
                >
                  <div className="h-full bg-indigo-600 transition-[width] dark:bg-indigo-400" style={{ width: `${pct}%` }} />
                </div>
              )}
              {u.status === 'failed' && (
                <p className="mt-0.5 flex items-start gap-1 text-red-700 dark:text-red-400" role="alert">
                  <AlertIcon width={12} height={12} className="mt-0.5 shrink-0" /> {u.error}
                </p>
              )}
            </div>
            <button
              type="button"
              className="absolute top-1 right-1 inline-flex h-6 w-6 items-center justify-center rounded-full bg-zinc-900/70 text-white hover:bg-zinc-900"
              aria-label={u.status === 'uploading' ? `Cancel upload of ${u.name}` : `Remove ${u.name}`}
              onClick={() => uploads.remove(u.key)}
            >
              <CloseIcon width={14} height={14} />
            </button>
          </li>
        );
      })}
    </ul>
  );
}
