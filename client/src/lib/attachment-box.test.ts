import { describe, expect, it } from 'vitest';
import { MEDIA_MAX_H, MEDIA_MAX_W, mediaBox } from './attachment-box';

describe('mediaBox', () => {
  it('keeps small media at their own size', () => {
    expect(mediaBox({ width: 120, height: 80 })).toEqual({ width: 120, height: 80 });
  });
  it('scales wide and tall media into the box, keeping the ratio', () => {
    expect(mediaBox({ width: 3600, height: 1800 })).toEqual({ width: MEDIA_MAX_W, height: 180 });
    expect(mediaBox({ width: 1000, height: 4000 })).toEqual({ width: 80, height: MEDIA_MAX_H });
  });
  it('never collapses an extreme ratio to zero and falls back without dimensions', () => {
    expect(mediaBox({ width: 100000, height: 1 })).toEqual({ width: MEDIA_MAX_W, height: 1 });
    expect(mediaBox({ width: null, height: null })).toEqual({ width: 320, height: 240 });
    expect(mediaBox({ width: 0, height: 10 })).toEqual({ width: 320, height: 240 });
  });
});
