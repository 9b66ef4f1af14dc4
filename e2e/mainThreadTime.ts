/**
 * Main-thread time of the page between two moments, from a Chromium trace: the tasks of the
 * page's main thread (RunTask), their wall time and their thread (CPU) time. The CPU time is
 * what the page itself spent: on a shared, loaded machine a task's wall time also counts the
 * time the thread waited for a core, which the Long Tasks API cannot tell apart.
 */
import type { Browser, Page } from '@playwright/test';
import { renderingCounts, type TraceEvent } from './traceSelfTime';

export interface MainThreadTime {
  /** Wall time of every main-thread task in the window, in ms. */
  wallMs: number;
  /** Thread (CPU) time of the same tasks, in ms. */
  cpuMs: number;
  /** Tasks over 50 ms of wall time (ms), as the Long Tasks API would list them. */
  longTasksMs: number[];
  /** From the start mark to the end mark, in ms. */
  windowMs: number;
  /** Style and layout work in counts, which the machine's load does not move. */
  rendering: ReturnType<typeof renderingCounts>;
}

/**
 * Traces `action`, which must call `performance.mark(startMark)` and `performance.mark(endMark)`
 * in the page, and sums the main-thread tasks that overlap the window between the two marks.
 */
export async function mainThreadTime(
  browser: Browser,
  page: Page,
  action: () => Promise<void>,
  startMark: string,
  endMark: string,
): Promise<MainThreadTime> {
  await browser.startTracing(page, {
    categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink.user_timing'],
  });
  let failure: unknown = null;
  try {
    await action();
  } catch (e) {
    failure = e;
  }
  // Stopped in any case: a second startTracing fails while one runs.
  const buffer = await browser.stopTracing();
  if (failure !== null) throw failure;
  const parsed = JSON.parse(buffer.toString('utf8')) as
    { traceEvents: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(parsed) ? parsed : parsed.traceEvents;
  const start = events.find((e) => e.name === startMark);
  const end = events.find((e) => e.name === endMark);
  if (!start || !end) throw new Error(`the trace lacks the marks ${startMark} and ${endMark}`);
  // The thread that recorded the marks is the page's main thread.
  const onMain = (e: TraceEvent) => e.pid === start.pid && e.tid === start.tid;
  let wallMs = 0;
  let cpuMs = 0;
  const longTasksMs: number[] = [];
  for (const e of events) {
    if (e.name !== 'RunTask' || e.ph !== 'X' || !onMain(e)) continue;
    const dur = e.dur ?? 0;
    if (e.ts + dur < start.ts || e.ts > end.ts) continue;
    wallMs += dur / 1000;
    cpuMs += (e.tdur ?? dur) / 1000;
    if (dur > 50_000) longTasksMs.push(dur / 1000);
  }
  return {
    wallMs,
    cpuMs,
    longTasksMs,
    windowMs: (end.ts - start.ts) / 1000,
    rendering: renderingCounts(events, startMark, endMark),
  };
}
