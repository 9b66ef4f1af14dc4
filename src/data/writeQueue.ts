/** The shard writes an import has in flight, with backpressure. */
import type { ImportTimings } from '../model/dataset';
import type { Shard } from '../storage/datasetStore';
import type { ShardDigests } from './shardDigest';

/**
 * Shard writes in flight at once: IndexedDB commits one while the next piece decodes. Was 4
 * when whole files were read at once; streamed, each write in flight holds a shard's buffers
 * in the tab: a 0.25 GiB gzip peaked at 416 MB of tab memory with 4 and 360 MB with 1, and
 * the full CIFAR-10 imported in 5.8-11.5 s against 6.2-10.7 s for the previous version in the
 * same runs (a machine at load 24-33; see docs/data.md, bench:data --gzip-gb).
 */
const WRITES_IN_FLIGHT = 1;

/** Seconds per stage, added up as the import runs. */
export function emptyTimings(): ImportTimings {
  return {
    fetchSeconds: 0,
    waitSeconds: 0,
    decodeSeconds: 0,
    shardSeconds: 0,
    storeSeconds: 0,
    commitSeconds: 0,
    totalSeconds: 0,
  };
}

export const secondsSince = (from: number): number => (performance.now() - from) / 1000;

/** Shard writes in flight, oldest first; a failed write fails the import at the next `start`,
 * `waitForRoom` or `drain`. */
export class WriteQueue {
  private readonly inFlight: Promise<unknown>[] = [];
  /** The first failure, once known: no more writes are started after it. */
  private failure: { error: unknown } | null = null;

  constructor(
    private readonly write: (shard: Shard) => Promise<ShardDigests>,
    private readonly timings: ImportTimings,
  ) {}

  /** Starts storing a shard; its digests once stored. Throws once a write failed. */
  start(shard: Shard): Promise<ShardDigests> {
    if (this.failure) throw this.failure.error;
    const promise = this.write(shard);
    promise.catch((error: unknown) => void (this.failure ??= { error }));
    this.inFlight.push(promise);
    return promise;
  }

  /** Waits while too many writes are in flight; rejects once one of them failed. */
  async waitForRoom(): Promise<void> {
    if (this.failure) throw this.failure.error;
    if (this.inFlight.length > WRITES_IN_FLIGHT) {
      const t = performance.now();
      await this.inFlight.shift();
      this.timings.storeSeconds += secondsSince(t);
    }
  }

  /** Waits for every write; rejects with the first failure. */
  async drain(): Promise<void> {
    const t = performance.now();
    while (this.inFlight.length > 0) await this.inFlight.shift();
    this.timings.storeSeconds += secondsSince(t);
  }

  /** Waits for every write to settle, failed or not (before cleaning up after a failure). */
  async settle(): Promise<void> {
    await Promise.allSettled(this.inFlight.splice(0));
  }
}
