/**
 * Pacing on a software GPU adapter (see the worker's `setPacing`): the worker leaves the CPU
 * cores to the page about once a second, and the live charts redraw then, one after another,
 * instead of on their own timers. On SwiftShader the GPU's work runs on the same cores as the
 * page; a chart redraw of 15-20 ms of CPU took 2-4 times that on the main thread while a run
 * trained, over the 50 ms that make a long task.
 */
import type { BackendReport } from '../protocol/training';
import { isSoftwareAdapterSummary } from '../model/backend';

/** A live chart's redraw: returns whether it had anything new to draw. */
export type Redraw = () => boolean;

const redraws = new Map<Redraw, number>();
const pacedListeners = new Set<() => void>();
let paced = false;

/** Whether the training runs on a software GPU adapter, where pacing pays. */
export function isSoftwareAdapter(report: BackendReport | null | undefined): boolean {
  if (!report || report.backend !== 'webgpu') return false;
  return isSoftwareAdapterSummary(report.adapter);
}

export function isPaced(): boolean {
  return paced;
}

export function setPaced(value: boolean): void {
  if (paced === value) return;
  paced = value;
  pacedListeners.forEach((listener) => listener());
}

/** For useSyncExternalStore. */
export function subscribePaced(listener: () => void): () => void {
  pacedListeners.add(listener);
  return () => pacedListeners.delete(listener);
}

/** Registers a chart's redraw; charts redraw in `order` (their stagger slot). */
export function onQuietMoment(redraw: Redraw, order: number): () => void {
  redraws.set(redraw, order);
  return () => redraws.delete(redraw);
}

/** The next animation frame, or `timeoutMs` if frames do not come (a hidden page). */
function frame(timeoutMs = 50): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    requestAnimationFrame(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * The worker is idle: each chart with something new redraws, one at a time, two frames apart
 * (a recharts redraw renders in the frame after its data changes), so that no two land in one
 * task. Resolves when they are done (then the worker goes on).
 */
export async function runQuietMoment(wait: () => Promise<void> = frame): Promise<void> {
  if (typeof document !== 'undefined' && document.hidden) return;
  const ordered = [...redraws].sort((a, b) => a[1] - b[1]).map(([redraw]) => redraw);
  for (const redraw of ordered) {
    if (!redraws.has(redraw) || !redraw()) continue;
    await wait();
    await wait();
  }
}
