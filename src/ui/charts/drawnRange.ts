/**
 * The part of a path-length histogram worth drawing on a linear axis: from the first to the
 * last length whose share is at least `relative` x the largest share (1e-4 is far under a
 * pixel of the chart's 230). A 1,000-block network has ~1,000 lengths of which ~100 carry
 * visible mass; recharts' cost grows with the points (issue 19). The log axis and the CSV keep
 * every length.
 */
export function drawnRange(probabilities: readonly number[], relative = 1e-4): [number, number] {
  let max = 0;
  for (const p of probabilities) if (p > max) max = p;
  if (max <= 0) return [0, probabilities.length];
  const floor = max * relative;
  let from = 0;
  while (from < probabilities.length && (probabilities[from] as number) < floor) from++;
  let to = probabilities.length;
  while (to > from && (probabilities[to - 1] as number) < floor) to--;
  // One point beyond each end, so that the area comes down to (nearly) zero there.
  return [Math.max(0, from - 1), Math.min(probabilities.length, to + 1)];
}
