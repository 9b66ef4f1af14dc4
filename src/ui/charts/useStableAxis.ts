import { useState } from 'react';
import { axisKey, type AxisScale } from './niceAxis';

/**
 * The same object for the same axis: recharts copies an axis's `domain` and `ticks` into its
 * store when they are new arrays and then recomputes the whole chart, so an axis that did not
 * change must hand over the arrays it had. Kept as state from the previous render (React's
 * pattern for it): a new axis replaces it, an equal one (a new object each redraw) does not.
 */
export function useStableAxis(scale: AxisScale): AxisScale {
  const [stable, setStable] = useState(scale);
  if (axisKey(stable) === axisKey(scale)) return stable;
  setStable(scale);
  return scale;
}
