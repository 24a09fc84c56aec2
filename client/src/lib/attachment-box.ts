import type { Attachment } from './wire';

/** The largest box an image or video takes in the timeline (CSS px). */
export const MEDIA_MAX_W = 360;
export const MEDIA_MAX_H = 320;
/** Without known dimensions, media get this box (4:3). */
const FALLBACK = { width: 320, height: 240 } as const;

/**
 * The size a medium is laid out at before its bytes arrive: its own aspect ratio, scaled down
 * (never up) to fit MEDIA_MAX_W x MEDIA_MAX_H, at least 1 px each way. The list's row heights
 * depend on this, so a loading image never moves the timeline.
 */
export function mediaBox(a: Pick<Attachment, 'width' | 'height'>): { width: number; height: number } {
  const w = a.width && a.width > 0 ? a.width : null;
  const h = a.height && a.height > 0 ? a.height : null;
  if (!w || !h) return { ...FALLBACK };
  const scale = Math.min(1, MEDIA_MAX_W / w, MEDIA_MAX_H / h);
  return { width: Math.max(1, Math.round(w * scale)), height: Math.max(1, Math.round(h * scale)) };
}

/** A file card's height class, the same in the placeholder and the card (no jump when it loads). */
export const FILE_CARD_CLASS = 'h-14';
