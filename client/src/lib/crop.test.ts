import { describe, expect, it } from 'vitest';
import { centredCrop, clampCrop, cropSource, dragCrop } from './crop';

describe('square crop', () => {
  it('starts with the largest centred square', () => {
    expect(cropSource(400, 200, centredCrop(400, 200))).toEqual({ sx: 100, sy: 0, side: 200 });
    expect(cropSource(200, 400, centredCrop(200, 400))).toEqual({ sx: 0, sy: 100, side: 200 });
  });
  it('zooming in takes a smaller square around the same centre', () => {
    expect(cropSource(400, 200, { cx: 200, cy: 100, zoom: 2 })).toEqual({ sx: 150, sy: 50, side: 100 });
  });
  it('never leaves the image, whatever the drag or zoom', () => {
    expect(clampCrop(400, 200, { cx: -50, cy: 999, zoom: 2 })).toEqual({ cx: 50, cy: 150, zoom: 2 });
    expect(clampCrop(400, 200, { cx: 200, cy: 100, zoom: 99 }).zoom).toBe(4);
    expect(clampCrop(400, 200, { cx: 200, cy: 100, zoom: 0.1 }).zoom).toBe(1);
    // Dragging the preview right moves the square left (the picture follows the pointer).
    const moved = dragCrop(400, 200, centredCrop(400, 200), 50, 0, 100);
    expect(moved.cx).toBe(100);
    expect(dragCrop(400, 200, moved, 500, 0, 100).cx).toBe(100);
  });
});
