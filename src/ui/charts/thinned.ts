/** Points drawn per line at most: long runs are thinned for drawing (the CSV keeps all). */
export const MAX_DRAWN_POINTS = 400;

/** Every k-th point and the last one, so that a line of any length stays cheap to draw. */
export function thinned<T>(points: readonly T[], max = MAX_DRAWN_POINTS): T[] {
  if (points.length <= max) return [...points];
  const stride = Math.ceil(points.length / max);
  const out = points.filter((_, i) => i % stride === 0);
  if ((points.length - 1) % stride !== 0) out.push(points[points.length - 1]!);
  return out;
}
