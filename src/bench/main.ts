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
const mode = params.get('mode') === 'bench' ? 'bench' : 'check';
const status = document.getElementById('status')!;
const result = document.getElementById('result')!;

let longTasks = 0;
try {
  new PerformanceObserver((list) => {
    longTasks += list.getEntries().filter((e) => e.duration > 50).length;
  }).observe({ type: 'longtask', buffered: false });
} catch {
  // No Long Tasks API in this browser: reported as -1 below.
  longTasks = -1;
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
    status.textContent = m.message;
    return;
  }
  if (m.type === 'error') {
    status.textContent = 'Failed';
    result.textContent = m.message;
    window.__benchError = m.message;
    return;
  }
  const report = m.type === 'bench' ? { ...m.report, mainThreadLongTasks: longTasks } : m.report;
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
};
worker.postMessage(params.get('profile') === '1' ? { profile: true } : request);
