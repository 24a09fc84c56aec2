/** Test photos for the upload benchmarks (bench/uploads-load.mjs, bench/image-loop-lag.mjs). */
import sharp from 'sharp';

/** A JPEG of about `mb` MB: Gaussian noise, grown until it is big enough. */
export async function photo(mb) {
  for (let side = 1400; ; side += 200) {
    const bytes = await sharp({ create: { width: Math.round(side * 1.5), height: side, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
      .jpeg({ quality: 90 })
      .toBuffer();
    if (bytes.length >= mb * 1024 * 1024) return bytes;
  }
}
