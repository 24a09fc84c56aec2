import { useEffect, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';
import { centredCrop, clampCrop, CROP_MAX_ZOOM, cropSource, dragCrop, type Crop } from '../lib/crop';

/** The preview's side in CSS px, and the side of the square image sent to the server. */
const PREVIEW_PX = 192;
export const OUTPUT_PX = 512;
/** One arrow key press moves the crop by this many preview pixels. */
const KEY_STEP_PX = 8;

export interface CropperHandle {
  /** The square cut as a WebP (PNG where the browser cannot encode WebP). */
  toBlob(): Promise<Blob | null>;
}

/**
 * A square crop preview of a local image: drag (or arrow keys) to move, the slider to zoom.
 * Part of the lazy-loaded image dialog, never of the initial bundle.
 */
export function SquareCropper({ file, handleRef }: { file: File; handleRef: { current: CropperHandle | null } }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [img, setImg] = useState<ImageBitmap | null>(null);
  const [error, setError] = useState(false);
  const [crop, setCrop] = useState<Crop | null>(null);
  const drag = useRef<{ x: number; y: number } | null>(null);

  // Decoded off the DOM (no object URL for the page's image policy to allow), auto-oriented.
  useEffect(() => {
    let live = true;
    let bitmap: ImageBitmap | null = null;
    setImg(null);
    setError(false);
    createImageBitmap(file, { imageOrientation: 'from-image' }).then(
      (b) => {
        bitmap = b;
        if (!live) return b.close();
        setImg(b);
        setCrop(centredCrop(b.width, b.height));
      },
      () => live && setError(true),
    );
    return () => {
      live = false;
      bitmap?.close();
    };
  }, [file]);

  const draw = (target: HTMLCanvasElement, px: number) => {
    if (!img || !crop) return;
    const { sx, sy, side } = cropSource(img.width, img.height, crop);
    target.width = px;
    target.height = px;
    target.getContext('2d')?.drawImage(img, sx, sy, side, side, 0, 0, px, px);
  };

  useEffect(() => {
    if (canvas.current) draw(canvas.current, PREVIEW_PX * (window.devicePixelRatio || 1));
  });

  handleRef.current = {
    toBlob: () =>
      new Promise((resolve) => {
        if (!img || !crop) return resolve(null);
        const out = document.createElement('canvas');
        draw(out, OUTPUT_PX);
        out.toBlob((b) => resolve(b), 'image/webp', 0.9);
      }),
  };

  if (error) return <p className="text-sm text-red-700 dark:text-red-400" role="alert">This image cannot be read by the browser.</p>;
  if (!img || !crop) return <div className="mx-auto animate-pulse rounded-2xl bg-zinc-100 dark:bg-zinc-800" style={{ width: PREVIEW_PX, height: PREVIEW_PX }} />;
  const w = img.width;
  const h = img.height;
  const onPointerMove = (e: PointerEvent) => {
    if (!drag.current) return;
    setCrop((c) => c && dragCrop(w, h, c, e.clientX - drag.current!.x, e.clientY - drag.current!.y, PREVIEW_PX));
    drag.current = { x: e.clientX, y: e.clientY };
  };
  const onKeyDown = (e: KeyboardEvent) => {
    const d = { ArrowLeft: [KEY_STEP_PX, 0], ArrowRight: [-KEY_STEP_PX, 0], ArrowUp: [0, KEY_STEP_PX], ArrowDown: [0, -KEY_STEP_PX] }[e.key];
    if (!d) return;
    e.preventDefault();
    setCrop((c) => c && dragCrop(w, h, c, d[0]!, d[1]!, PREVIEW_PX));
  };
  return (
    <div className="flex flex-col items-center gap-3">
      <canvas
        ref={canvas}
        role="img"
        aria-label="Crop preview: drag or use the arrow keys to move the square"
        tabIndex={0}
        className="cursor-move touch-none rounded-2xl ring-1 ring-zinc-300 focus-visible:outline-2 focus-visible:outline-indigo-600 dark:ring-zinc-700"
        style={{ width: PREVIEW_PX, height: PREVIEW_PX }}
        onPointerDown={(e) => {
          e.currentTarget.setPointerCapture(e.pointerId);
          drag.current = { x: e.clientX, y: e.clientY };
        }}
        onPointerMove={onPointerMove}
        onPointerUp={() => (drag.current = null)}
        onKeyDown={onKeyDown}
        data-testid="crop-preview"
      />
      <label className="flex w-full max-w-xs items-center gap-3 text-sm">
        Zoom
        <input
          type="range"
          min={1}
          max={CROP_MAX_ZOOM}
          step={0.05}
          value={crop.zoom}
          onChange={(e) => setCrop((c) => c && clampCrop(w, h, { ...c, zoom: Number(e.target.value) }))}
          className="flex-1 accent-indigo-600"
        />
      </label>
    </div>
  );
}
