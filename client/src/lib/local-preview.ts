/**
 * Previews of local files, made in the browser before they are sent: a small image for the
 * composer's tray, and for a video a poster frame that is also sent as its thumbnail (the server
 * stores videos as they are). Each resolves null, never rejects, when the browser cannot decode
 * the file or takes longer than PREVIEW_TIMEOUT_MS. Previews are data: URLs, so they need no
 * object URL in the page's image policy and nothing to revoke.
 */
export const PREVIEW_TIMEOUT_MS = 5_000;
/** The poster's longer side, like the server's image thumbnails. */
export const POSTER_MAX_PX = 400;
/** The tray preview's longer side. */
const TRAY_MAX_PX = 240;

function scaled(w: number, h: number, max: number): { width: number; height: number } {
  const k = Math.min(1, max / Math.max(w, h));
  return { width: Math.max(1, Math.round(w * k)), height: Math.max(1, Math.round(h * k)) };
}

function canvasOf(source: CanvasImageSource, w: number, h: number, max: number): HTMLCanvasElement | null {
  const size = scaled(w, h, max);
  const canvas = document.createElement('canvas');
  canvas.width = size.width;
  canvas.height = size.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  ctx.drawImage(source, 0, 0, size.width, size.height);
  return canvas;
}

function withTimeout<T>(p: Promise<T | null>): Promise<T | null> {
  return Promise.race([p.catch(() => null), new Promise<null>((r) => setTimeout(() => r(null), PREVIEW_TIMEOUT_MS))]);
}

/** A small preview of a local image (decoded off the DOM: no URL is loaded). */
export function imagePreview(file: Blob): Promise<string | null> {
  return withTimeout(
    (async () => {
      const bitmap = await createImageBitmap(file);
      const canvas = canvasOf(bitmap, bitmap.width, bitmap.height, TRAY_MAX_PX);
      bitmap.close();
      return canvas?.toDataURL('image/webp', 0.8) ?? null;
    })(),
  );
}

/** A frame a little into the video: as a WebP blob (the `thumb` part) and a data URL (the tray). */
export function videoPoster(file: Blob): Promise<{ blob: Blob; dataUrl: string } | null> {
  const url = URL.createObjectURL(file);
  const video = document.createElement('video');
  const frame = new Promise<{ blob: Blob; dataUrl: string } | null>((resolve) => {
    video.muted = true;
    video.playsInline = true;
    video.preload = 'auto';
    video.addEventListener('error', () => resolve(null));
    video.addEventListener('loadeddata', () => {
      // Past a black first frame; a short clip is seeked to its middle.
      const d = Number.isFinite(video.duration) ? video.duration : 0;
      const at = Math.min(0.5, d / 2);
      if (at > 0) video.currentTime = at;
      else draw();
    });
    video.addEventListener('seeked', draw);
    function draw() {
      const canvas = video.videoWidth ? canvasOf(video, video.videoWidth, video.videoHeight, POSTER_MAX_PX) : null;
      if (!canvas) return resolve(null);
      const dataUrl = canvas.toDataURL('image/webp', 0.8);
      canvas.toBlob((blob) => resolve(blob ? { blob, dataUrl } : null), 'image/webp', 0.8);
    }
    video.src = url;
  });
  return withTimeout(frame).finally(() => {
    video.removeAttribute('src');
    video.load();
    URL.revokeObjectURL(url);
  });
}
