/**
 * Axis domains and ticks computed here rather than by recharts. A live chart redraws once a
 * second while a run trains; with the domain and ticks fixed in advance (the x axis spans the
 * whole planned run, the y axis a round number above the largest value so far), a redraw that
 * adds points changes neither, so recharts keeps its scales and skips re-rendering the axes,
 * tick labels and grid: that halves the main-thread time of a redraw. Pure, no React.
 */

export interface AxisScale {
  domain: [number, number];
  ticks: number[];
}

/** A round step (1, 2, 2.5 or 5 times a power of ten) giving about `count` intervals over `span`. */
export function niceStep(span: number, count = 5): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const nice =
    fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

/** Rounds away float noise from tick values (0.30000000000000004 -> 0.3). */
const clean = (v: number): number => Number.parseFloat(v.toPrecision(12));

/** Ticks from `from` to `to` by `step` (both multiples of it). */
function ticksBetween(from: number, to: number, step: number): number[] {
  const n = Math.round((to - from) / step);
  return Array.from({ length: n + 1 }, (_, i) => clean(from + i * step));
}

/**
 * From zero to the first round value at or above `max`: the linear axes of loss, error,
 * learning rate and speed (all at least zero).
 */
export function zeroBasedAxis(max: number, count = 5): AxisScale {
  if (!(max > 0) || !Number.isFinite(max))
    return { domain: [0, 1], ticks: ticksBetween(0, 1, 0.2) };
  const step = niceStep(max, count);
  const top = clean(Math.ceil(max / step - 1e-9) * step);
  return { domain: [0, top], ticks: ticksBetween(0, top, step) };
}

/** Round values around `min`..`max` (not necessarily from zero). */
export function rangeAxis(min: number, max: number, count = 5): AxisScale {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return zeroBasedAxis(1, count);
  if (max < min) [min, max] = [max, min];
  // One value: a unit-wide window around it.
  const span = max - min || Math.max(Math.abs(max), 1);
  const step = niceStep(span, count);
  let bottom = Math.floor(min / step + 1e-9) * step;
  let top = Math.ceil(max / step - 1e-9) * step;
  if (top === bottom) {
    bottom -= step;
    top += step;
  }
  return { domain: [clean(bottom), clean(top)], ticks: ticksBetween(bottom, top, step) };
}

/** Powers of ten around the positive values `min`..`max`, for a log axis. */
export function logAxis(min: number, max: number): AxisScale {
  if (!(min > 0) || !(max > 0) || !Number.isFinite(min) || !Number.isFinite(max)) {
    return { domain: [1, 10], ticks: [1, 10] };
  }
  if (max < min) [min, max] = [max, min];
  const low = Math.floor(Math.log10(min) + 1e-9);
  let high = Math.ceil(Math.log10(max) - 1e-9);
  if (high === low) high = low + 1;
  const ticks = Array.from({ length: high - low + 1 }, (_, i) => clean(10 ** (low + i)));
  return { domain: [ticks[0]!, ticks[ticks.length - 1]!], ticks };
}

/** A key that is equal exactly when two scales draw the same axis. */
export function axisKey(scale: AxisScale): string {
  return `${scale.domain.join(':')}|${scale.ticks.join(',')}`;
}
