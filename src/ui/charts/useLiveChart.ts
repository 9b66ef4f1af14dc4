import { startTransition, useEffect, useState, type RefObject } from 'react';

/**
 * Whether the element is on screen or near it (`margin` around the viewport). A live chart
 * off screen does not redraw while runs train: nobody sees it, and a recharts redraw costs tens
 * of milliseconds of main-thread time on a slow laptop. Where IntersectionObserver is missing
 * everything counts as on screen.
 */
export function useOnScreen(ref: RefObject<Element | null>, margin = '100px'): boolean {
  const [onScreen, setOnScreen] = useState(typeof IntersectionObserver === 'undefined');
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver(
      (entries) => {
        const last = entries[entries.length - 1];
        if (last) setOnScreen(last.isIntersecting);
      },
      { rootMargin: margin },
    );
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref, margin]);
  return onScreen;
}

/**
 * False at first, true `delayMs` after mounting (as a transition, in a timer task of its own).
 * The live charts mount their recharts chart, empty, shortly after the page opens, one after
 * another: mounting one costs far more than redrawing it, and this way no chart mounts while
 * a run trains.
 */
export function useMountedAfter(delayMs: number): boolean {
  const [mounted, setMounted] = useState(false);
  useEffect(() => {
    const timer = window.setTimeout(() => startTransition(() => setMounted(true)), delayMs);
    return () => window.clearTimeout(timer);
  }, [delayMs]);
  return mounted;
}
