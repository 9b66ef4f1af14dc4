import { startTransition, useEffect, useRef, useState } from 'react';
import { onQuietMoment } from '../../state/quietMoments';

/**
 * A value that follows `value` at most once per `intervalMs`, `offsetMs` later, in a timer task
 * of its own and as a transition. A live chart that reads it re-renders outside the worker's
 * message task, and charts given different offsets re-render in separate tasks, so metrics
 * arriving while a run trains never make one long main-thread task of all the charts.
 * While `active` is false (the chart is off screen) it does not follow at all; it catches up,
 * `offsetMs` later, once `active` turns true again. With `paced` (training paced on a software
 * GPU adapter: see state/quietMoments) it follows in the worker's quiet moments instead, in
 * `offsetMs` order.
 */
export function useThrottledValue<T>(
  value: T,
  intervalMs: number,
  offsetMs = 0,
  active = true,
  paced = false,
): T {
  const [shown, setShown] = useState(value);
  const latest = useRef(value);
  const timer = useRef<number | null>(null);
  const last = useRef(-Infinity);
  const shownRef = useRef(shown);
  useEffect(() => {
    latest.current = value;
  }, [value]);
  useEffect(() => {
    shownRef.current = shown;
  }, [shown]);
  useEffect(() => {
    if (!paced || !active) return;
    return onQuietMoment(() => {
      const next = latest.current;
      if (Object.is(next, shownRef.current)) return false;
      shownRef.current = next;
      startTransition(() => setShown(next));
      return true;
    }, offsetMs);
  }, [paced, active, offsetMs]);
  useEffect(() => {
    if (paced || !active) {
      if (timer.current !== null) window.clearTimeout(timer.current);
      timer.current = null;
      return;
    }
    if (Object.is(value, shown) || timer.current !== null) return;
    const wait = Math.max(0, last.current + intervalMs - performance.now()) + offsetMs;
    timer.current = window.setTimeout(() => {
      timer.current = null;
      last.current = performance.now();
      startTransition(() => setShown(latest.current));
    }, wait);
  }, [value, shown, intervalMs, offsetMs, active, paced]);
  useEffect(
    () => () => {
      if (timer.current !== null) window.clearTimeout(timer.current);
    },
    [],
  );
  return shown;
}
