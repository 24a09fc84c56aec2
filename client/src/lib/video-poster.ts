/**
 * A poster frame for a video, made in the browser at upload (the server stores videos as they
 * are and takes this as the thumbnail). Resolves null, never rejects, when the browser cannot
 * decode the file or takes longer than POSTER_TIMEOUT_MS: the video is then sent without one.
 */
export const POSTER_TIMEOUT_MS = 5_000;
/** The poster's longer side, like the server's image thumbnails. */
export const POSTER_MAX_PX = 400;

export function videoPoster(file: Blob): Promise<Blob | null> {
  return new Promise((resolve) => {
    const url = URL.createObjectURL(file);
    const video = document.createElement('video');
    let done = false;
    const finish = (blob: Blob | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      video.removeAttribute('src');
      video.load();
      URL.revokeObjectURL(url);
      resolve(blob);
    };
    const timer = setTimeout(() => finish(null), POSTER_TIMEOUT_MS);
    video.muted = true;
    video.playsInline = true;
    video.preload = 'auto';
    video.addEventListener('error', () => finish(null));
    video.addEventListener('loadeddata', () => {
      // A frame a little in, past a black first frame; a short clip is seeked to its middle.
      const d = Number.isFinite(video.duration) ? video.duration : 0;
      const at = Math.min(0.5, d / 2);
      if (at > 0) video.currentTime = at;
      else draw();
    });
    video.addEventListener('seeked', draw);
    function draw() {
      const w = video.videoWidth;
      const h = video.videoHeight;
      if (!w || !h) return finish(null);
      const scale = Math.min(1, POSTER_MAX_PX / Math.max(w, h));
      const canvas = document.createElement('canvas');
      canvas.width = Math.round(w * scale);
      canvas.height = Math.round(h * scale);
      const ctx = canvas.getContext('2d');
      if (!ctx) return finish(null);
      ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
      canvas.toBlob((b) => finish(b), 'image/webp', 0.8);
    }
    video.src = url;
  });
}
