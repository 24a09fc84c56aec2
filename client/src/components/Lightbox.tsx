import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { createPortal } from 'react-dom';
import { useModalDialog } from '../hooks/use-modal-dialog';
import type { Attachment } from '../lib/wire';
import { BackIcon, CloseIcon } from './Icons';

/**
 * A message's images full size, one at a time, in a modal <dialog>: Left/Right go through them,
 * Escape closes, focus stays inside while open and returns to the image clicked. Loaded on the
 * first click: not part of the initial bundle. Portalled to <body>, so nothing of the message
 * (a pending message's dimming) reaches it.
 */
export default function Lightbox({ images, start, onClose }: { images: readonly Attachment[]; start: number; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  const [index, setIndex] = useState(start);
  useModalDialog(ref, onClose);
  useEffect(() => closeRef.current?.focus(), []);
  const image = images[index];
  if (!image) return null;
  const many = images.length > 1;
  const go = (step: number) => setIndex((i) => (i + step + images.length) % images.length);
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowRight' && many) {
      e.preventDefault();
      go(1);
    } else if (e.key === 'ArrowLeft' && many) {
      e.preventDefault();
      go(-1);
    }
  };
  const navBtn = 'absolute top-1/2 -translate-y-1/2 inline-flex h-11 w-11 items-center justify-center rounded-full bg-zinc-900/80 text-white hover:bg-zinc-900 focus-visible:outline-2 focus-visible:outline-white';
  return createPortal(
    <dialog
      ref={ref}
      aria-label={`Image ${index + 1} of ${images.length}: ${image.name}`}
      onKeyDown={onKeyDown}
      onClick={(e) => {
        if (e.target === ref.current) onClose();
      }}
      className="m-0 h-full max-h-none w-full max-w-none bg-transparent p-0 backdrop:bg-black/85"
      data-testid="lightbox"
    >
      <div className="flex h-full w-full items-center justify-center p-4 sm:p-12" onClick={(e) => e.target === e.currentTarget && onClose()}>
        <img
          key={image.id}
          src={image.url}
          alt={image.name}
          width={image.width ?? undefined}
          height={image.height ?? undefined}
          className="max-h-full max-w-full object-contain"
          data-testid="lightbox-image"
        />
      </div>
      <p className="absolute bottom-3 left-1/2 max-w-[80%] -translate-x-1/2 truncate rounded-full bg-zinc-900 px-3 py-1 text-sm text-white" aria-live="polite">
        {image.name}
        {many && ` (${index + 1}/${images.length})`}
      </p>
      <button ref={closeRef} type="button" className={`${navBtn} top-8 right-3`} onClick={onClose} aria-label="Close image">
        <CloseIcon />
      </button>
      {many && (
        <>
          <button type="button" className={`${navBtn} left-3`} onClick={() => go(-1)} aria-label="Previous image">
            <BackIcon />
          </button>
          <button type="button" className={`${navBtn} right-3`} onClick={() => go(1)} aria-label="Next image">
            <BackIcon className="rotate-180" />
          </button>
        </>
      )}
    </dialog>,
    document.body,
  );
}
