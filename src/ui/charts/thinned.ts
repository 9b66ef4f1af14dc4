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

const drawnCache = new WeakMap<readonly { y: number }[], { linear?: unknown[]; log?: unknown[] }>();

/**
 * The points a line draws, on a linear or a log axis (only y > 0), thinned; the same array for
 * the same input array. recharts re-registers a line whose `data` is a new array (a store
 * update and a redraw of its chart), so a line whose points did not change must keep its array.
 */
export function drawnPoints<P extends { y: number }>(points: readonly P[], log: boolean): P[] {
  let entry = drawnCache.get(points);
  if (!entry) {
    entry = {};
    drawnCache.set(points, entry);
  }
  const key = log ? 'log' : 'linear';
  let out = entry[key] as P[] | undefined;
  if (!out) {
    out = thinned(log ? points.filter((p) => p.y > 0) : points);
    entry[key] = out;
  }
  return out;
}
