/**
 * The main thread's watch over the import worker. An import that sends no progress for
 * `stallMs`, or that has not ended `cancelGraceMs` after Cancel, is declared stuck: the
 * caller then terminates the worker (a wedged worker answers no message, so only terminate()
 * can end it) and a fresh worker collects what the old one left (issue #19: a forged .mat once
 * wedged the worker and every later import said "An import is already running").
 */

export type StuckReason = 'stalled' | 'cancel-ignored';

export interface WatchdogTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: WatchdogTimers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class ImportWatchdog {
  private handle: unknown = null;
  private cancelling = false;
  private ended = false;

  constructor(
    private readonly stallMs: number,
    private readonly cancelGraceMs: number,
    private readonly onStuck: (reason: StuckReason) => void,
    private readonly timers: WatchdogTimers = realTimers,
  ) {
    this.arm(stallMs, 'stalled');
  }

  private arm(ms: number, reason: StuckReason): void {
    if (this.handle !== null) this.timers.clearTimeout(this.handle);
    this.handle = this.timers.setTimeout(() => {
      this.handle = null;
      if (this.ended) return;
      this.ended = true;
      this.onStuck(reason);
    }, ms);
  }

  /** The worker reported progress: it is alive (a pending cancel keeps its own deadline). */
  progress(): void {
    if (!this.ended && !this.cancelling) this.arm(this.stallMs, 'stalled');
  }

  /** Cancel was pressed: the import must end within the grace period. */
  cancelRequested(): void {
    if (this.ended || this.cancelling) return;
    this.cancelling = true;
    this.arm(this.cancelGraceMs, 'cancel-ignored');
  }

  /** The import ended (stored, failed or cancelled): nothing more to watch. */
  stop(): void {
    this.ended = true;
    if (this.handle !== null) this.timers.clearTimeout(this.handle);
    this.handle = null;
  }
}
