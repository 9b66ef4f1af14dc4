/** Drawing helpers shared by the insights views and their PNG (no React). */
import type { InsightGrid } from '../../model/run';

/**
 * A cell's colour: its share of the true class's images, blue when right, red when wrong,
 * blended on white (at most 60%, so the dark count stays readable in either colour scheme).
 */
export function cellColor(share: number, diagonal: boolean): string {
  if (share <= 0) return '#ffffff';
  const alpha = 0.08 + 0.52 * Math.min(1, share);
  const base = diagonal ? [37, 99, 235] : [220, 38, 38];
  const [r, g, b] = base.map((c) => Math.round(255 - alpha * (255 - c)));
  return `rgb(${r}, ${g}, ${b})`;
}

/** RGBA image data from NHWC bytes (grey when one channel). */
export function toImageData(
  pixels: Uint8Array,
  height: number,
  width: number,
  channels: number,
): ImageData {
  const image = new ImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    const r = pixels[i * channels]!;
    image.data[i * 4] = r;
    image.data[i * 4 + 1] = channels >= 3 ? pixels[i * channels + 1]! : r;
    image.data[i * 4 + 2] = channels >= 3 ? pixels[i * channels + 2]! : r;
    image.data[i * 4 + 3] = 255;
  }
  return image;
}

/** The pixels of grid image `k`. */
export function gridPixels(grid: InsightGrid, k: number): Uint8Array {
  const bytes = grid.height * grid.width * grid.channels;
  return grid.pixels.subarray(k * bytes, (k + 1) * bytes);
}

/** Grid positions grouped by true class (each class's images in test-split order). */
export function byClass(grid: InsightGrid): number[] {
  return Array.from(grid.labels.keys()).sort((a, b) => grid.labels[a]! - grid.labels[b]! || a - b);
}
