/**
 * The square cut of an image for avatars and room images: the largest centred square at zoom 1,
 * smaller (closer) as the zoom grows, its centre moved by the user but always kept inside the
 * image. Pure: the cropper draws `source` onto a square canvas.
 */
export const CROP_MAX_ZOOM = 4;

export interface Crop {
  /** The centre of the square in image pixels. */
  cx: number;
  cy: number;
  zoom: number;
}

export function clampCrop(w: number, h: number, crop: Crop): Crop {
  const zoom = Math.min(CROP_MAX_ZOOM, Math.max(1, crop.zoom));
  const half = Math.min(w, h) / zoom / 2;
  const clamp = (v: number, max: number) => Math.min(max - half, Math.max(half, v));
  return { zoom, cx: clamp(crop.cx, w), cy: clamp(crop.cy, h) };
}

export function centredCrop(w: number, h: number): Crop {
  return { cx: w / 2, cy: h / 2, zoom: 1 };
}

/** The source rectangle (image pixels) of a crop. */
export function cropSource(w: number, h: number, crop: Crop): { sx: number; sy: number; side: number } {
  const c = clampCrop(w, h, crop);
  const side = Math.min(w, h) / c.zoom;
  return { sx: c.cx - side / 2, sy: c.cy - side / 2, side };
}

/** Moves the crop by a drag of (dx, dy) preview pixels on a preview `previewPx` wide. */
export function dragCrop(w: number, h: number, crop: Crop, dx: number, dy: number, previewPx: number): Crop {
  const side = Math.min(w, h) / crop.zoom;
  const k = side / previewPx;
  return clampCrop(w, h, { ...crop, cx: crop.cx - dx * k, cy: crop.cy - dy * k });
}
