/**
 * Per-channel statistics of a dataset's images, exact: 256 bins per channel, counted over the
 * interleaved RGB bytes, then the mean and standard deviation on the 0..255 scale.
 */
import { LITTLE_ENDIAN } from './readers/decodedImages';

/** Counts of each byte value per channel over interleaved RGB images, into `histogram`. */
export function addChannelHistogram(pixels: Uint8Array, histogram: Float64Array): void {
  // Counted in 32 bits per call (at most 2^32 - 1 per bin: 1.3 billion images per call),
  // added to the float histogram once.
  const counts = new Uint32Array(3 * 256);
  let i = 0;
  if (LITTLE_ENDIAN && pixels.byteOffset % 4 === 0) {
    // 4 pixels = 3 words: r g b r | g b r g | b r g b (little-endian byte order).
    const words = new Uint32Array(
      pixels.buffer,
      pixels.byteOffset,
      Math.floor(pixels.byteLength / 12) * 3,
    );
    for (let w = 0; w < words.length; w += 3) {
      const a = words[w]!;
      const b = words[w + 1]!;
      const c = words[w + 2]!;
      counts[a & 0xff]!++;
      counts[256 + ((a >>> 8) & 0xff)]!++;
      counts[512 + ((a >>> 16) & 0xff)]!++;
      counts[a >>> 24]!++;
      counts[256 + (b & 0xff)]!++;
      counts[512 + ((b >>> 8) & 0xff)]!++;
      counts[(b >>> 16) & 0xff]!++;
      counts[256 + (b >>> 24)]!++;
      counts[512 + (c & 0xff)]!++;
      counts[(c >>> 8) & 0xff]!++;
      counts[256 + ((c >>> 16) & 0xff)]!++;
      counts[512 + (c >>> 24)]!++;
    }
    i = words.length * 4;
  }
  for (; i + 2 < pixels.length; i += 3) {
    counts[pixels[i]!]!++;
    counts[256 + pixels[i + 1]!]!++;
    counts[512 + pixels[i + 2]!]!++;
  }
  for (let k = 0; k < counts.length; k++) histogram[k]! += counts[k]!;
}

/** The per-channel (R, G, B) mean and standard deviation of a histogram. */
export function statistics(histogram: Float64Array): {
  mean: [number, number, number];
  std: [number, number, number];
} {
  const mean: [number, number, number] = [0, 0, 0];
  const std: [number, number, number] = [0, 0, 0];
  for (let c = 0; c < 3; c++) {
    let n = 0;
    let sum = 0;
    let sumSq = 0;
    for (let v = 0; v < 256; v++) {
      const k = histogram[c * 256 + v]!;
      n += k;
      sum += k * v;
      sumSq += k * v * v;
    }
    const m = n > 0 ? sum / n : 0;
    mean[c] = m;
    std[c] = n > 0 ? Math.sqrt(Math.max(0, sumSq / n - m * m)) : 0;
  }
  return { mean, std };
}
