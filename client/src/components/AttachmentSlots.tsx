import { lazy, Suspense } from 'react';
import { FILE_CARD_CLASS, mediaBox } from '../lib/attachment-box';
import type { Attachment } from '../lib/wire';

/** Loaded with the first message that has files: not part of the initial bundle. */
const MessageAttachments = lazy(() => import('./MessageAttachments'));

/**
 * A message's files. Until their component has loaded, empty boxes of exactly the final sizes
 * hold their place, so the list's measured row heights never change.
 */
export function AttachmentSlots({ attachments, pending = false }: { attachments: readonly Attachment[]; pending?: boolean }) {
  if (!attachments.length) return null;
  const placeholder = (
    <div className="mt-1 flex flex-wrap gap-2" aria-hidden="true">
      {attachments.map((a) => {
        if (a.kind === 'file') return <div key={a.id} className={`${FILE_CARD_CLASS} w-48 rounded-lg bg-zinc-100 dark:bg-zinc-800`} />;
        const box = mediaBox(a);
        return <div key={a.id} className="max-w-full rounded-lg bg-zinc-100 dark:bg-zinc-800" style={{ width: box.width, aspectRatio: `${box.width} / ${box.height}` }} />;
      })}
    </div>
  );
  return (
    <Suspense fallback={placeholder}>
      <MessageAttachments attachments={attachments} pending={pending} />
    </Suspense>
  );
}
