import { lazy, Suspense, useState } from 'react';
import { FILE_CARD_CLASS, mediaBox } from '../lib/attachment-box';
import { formatBytes } from '../lib/files';
import type { Attachment } from '../lib/wire';
import { FileIcon } from './Icons';

/** Loaded on the first click on an image: not part of the initial bundle. */
const Lightbox = lazy(() => import('./Lightbox'));

/**
 * A message's files: images and videos in boxes of their final size (from the Attachment's
 * width and height, so nothing moves when the bytes arrive), files as download cards. A pending
 * message's files are shown dimmed and marked as waiting to be sent.
 */
export default function MessageAttachments({ attachments, pending = false }: { attachments: readonly Attachment[]; pending?: boolean }) {
  const [open, setOpen] = useState<number | null>(null);
  if (!attachments.length) return null;
  const images = attachments.filter((a) => a.kind === 'image');
  return (
    <div className={`mt-1 flex flex-wrap gap-2 ${pending ? 'opacity-70' : ''}`} data-testid="attachments" data-pending={pending || undefined}>
      {attachments.map((a) => {
        const box = mediaBox(a);
        const style = { width: box.width, aspectRatio: `${box.width} / ${box.height}` };
        if (a.kind === 'image') {
          const index = images.indexOf(a);
          return (
            <button
              key={a.id}
              type="button"
              className="block max-w-full overflow-hidden rounded-lg bg-zinc-100 dark:bg-zinc-800"
              style={style}
              aria-label={`Open image ${a.name}`}
              onClick={() => setOpen(index)}
              data-testid="attachment-image"
            >
              <img
                src={a.thumbUrl ?? a.url}
                alt={a.name}
                width={box.width}
                height={box.height}
                loading="lazy"
                decoding="async"
                className="h-full w-full object-cover"
              />
            </button>
          );
        }
        if (a.kind === 'video') {
          return (
            <video
              key={a.id}
              controls
              preload="metadata"
              poster={a.thumbUrl ?? undefined}
              width={box.width}
              height={box.height}
              className="block max-w-full rounded-lg bg-black"
              style={style}
              aria-label={`Video ${a.name}`}
              data-testid="attachment-video"
            >
              <source src={a.url} type={a.mime} />
            </video>
          );
        }
        return (
          <a
            key={a.id}
            href={a.url}
            download={a.name}
            className={`${FILE_CARD_CLASS} flex max-w-full min-w-48 items-center gap-3 rounded-lg border border-zinc-300 bg-white px-3 py-2 text-sm hover:bg-zinc-50 dark:border-zinc-700 dark:bg-zinc-900 dark:hover:bg-zinc-800`}
            data-testid="attachment-file"
          >
            <FileIcon width={24} height={24} className="shrink-0 text-indigo-600 dark:text-indigo-400" />
            <span className="min-w-0">
              <span className="block truncate font-medium">{a.name}</span>
              <span className="block text-xs text-zinc-600 dark:text-zinc-400">
                <span className="sr-only">Download, </span>
                {formatBytes(a.size)}
              </span>
            </span>
          </a>
        );
      })}
      {pending && <span className="sr-only">Files waiting to be sent</span>}
      {open !== null && (
        <Suspense fallback={null}>
          <Lightbox images={images} start={open} onClose={() => setOpen(null)} />
        </Suspense>
      )}
    </div>
  );
}
