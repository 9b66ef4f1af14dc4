import { useMemo } from 'react';
import { axisKey, type AxisScale } from './niceAxis';

/**
 * The same object for the same axis: recharts copies an axis's `domain` and `ticks` into its
 * store when they are new arrays and then recomputes the whole chart, so an axis that did not
 * change must hand over the arrays it had.
 */
export function useStableAxis(scale: AxisScale): AxisScale {
  const key = axisKey(scale);
  // Keyed on the values, not on the object (a new one each redraw).
  // eslint-disable-next-line react-hooks/exhaustive-deps
  return useMemo(() => scale, [key]);
}
