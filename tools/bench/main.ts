/**
 * The bench page: starts the check or bench worker (?mode=check | ?mode=bench), watches the
 * main thread for long tasks (over 50 ms) while the worker trains, and publishes the result
 * as JSON in #result and on `window.__benchResult` for Playwright.
 */
import type { BenchRequest, WorkerReply } from './messages';

declare global {
  interface Window {
    __benchResult?: unknown;
    __benchError?: string;
  }
}

const params = new URLSearchParams(location.search);
const mode =
  params.get('mode') === 'bench' ? 'bench' : params.get('mode') === 'resume' ? 'resume' : 'check';
const status = document.getElementById('status')!;
const result = document.getElementById('result')!;

/** Main-thread tasks over 50 ms: [start, duration] in ms since the page's time origin. */
const longTasks: [number, number][] = [];
let observing = true;
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.duration > 50) longTasks.push([e.startTime, e.duration]);
    }
  }).observe({ type: 'longtask', buffered: true });
} catch {
  // No Long Tasks API in this browser: reported as -1 below.
  observing = false;
}
/** When the worker first reported progress: its set-up is over and it is training. */
let trainingSince: number | null = null;

/** Long tasks while the worker trained (the target is none); page load and set-up apart. */
function longTaskSummary() {
  if (!observing) return { mainThreadLongTasks: -1, mainThreadLongTasksMs: [] };
  const since = trainingSince ?? Infinity;
  const during = longTasks.filter(([start]) => start >= since);
  return {
    mainThreadLongTasks: during.length,
    mainThreadLongTasksMs: during.map(([, d]) => Math.round(d)),
    longTasksBeforeTraining: longTasks.length - during.length,
  };
}

function num(name: string, fallback: number): number {
  const v = Number(params.get(name));
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

const worker =
  mode === 'bench'
    ? new Worker(new URL('./bench.worker.ts', import.meta.url), { type: 'module' })
    : new Worker(new URL('./check.worker.ts', import.meta.url), { type: 'module' });

worker.addEventListener('message', (event: MessageEvent<WorkerReply>) => {
  const m = event.data;
  if (m.type === 'progress') {
    trainingSince ??= performance.now();
    status.textContent = m.message;
    return;
  }
  if (m.type === 'error') {
    status.textContent = 'Failed';
    result.textContent = m.message;
    window.__benchError = m.message;
    return;
  }
  const report = m.type === 'bench' ? { ...m.report, ...longTaskSummary() } : m.report;
  status.textContent = 'Done';
  result.textContent = JSON.stringify(report, null, 2);
  window.__benchResult = report;
});

const request: BenchRequest = {
  tinyBatch: num('tinyBatch', 16),
  l12Batch: num('l12Batch', 8),
  steps: num('steps', 3),
  warmup: num('warmup', 1),
  tinyOnly: params.get('tinyOnly') === '1',
  skipL54: params.get('noL54') === '1',
  tune: params.get('noTune') !== '1',
  profile: params.get('stepProfile') === '1',
};
worker.postMessage(
  mode === 'resume'
    ? { resume: true }
    : params.get('convBench') === '1'
      ? { convBench: true }
      : params.get('profile') === '1'
        ? { profile: true }
        : request,
);
