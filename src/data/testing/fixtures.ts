/**
 * Fixture images for unit tests and scripts: deterministic pixels whose values encode the
 * image index, so a test can tell exactly which image ended up where.
 */
import { IMAGE_BYTES } from '../../storage/datasetStore';

/** `count` NHWC images; image i's first pixel is (i & 255, i >> 8 & 255, label). */
export function fixtureImages(count: number, labelOf: (i: number) => number) {
  const pixels = new Uint8Array(count * IMAGE_BYTES);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = labelOf(i);
    const base = i * IMAGE_BYTES;
    for (let p = 0; p < IMAGE_BYTES; p++) pixels[base + p] = (i * 7 + p * 13) & 255;
    pixels[base] = i & 255;
    pixels[base + 1] = (i >> 8) & 255;
    pixels[base + 2] = labels[i]!;
  }
  return { pixels, labels };
}

/** The image index a fixture image encodes (see `fixtureImages`). */
export function fixtureIndex(pixels: Uint8Array, image: number): number {
  return pixels[image * IMAGE_BYTES]! + 256 * pixels[image * IMAGE_BYTES + 1]!;
}
