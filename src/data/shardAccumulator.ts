/** One split's images cut into shards, with the split's channel histogram. */
import { IMAGE_BYTES, type Shard, type Split } from '../storage/datasetStore';
import { addChannelHistogram } from './channelStatistics';
import type { DecodedImages } from './readers/decodedImages';
import type { ShardDigests } from './shardDigest';
import type { WriteQueue } from './writeQueue';

/** Images per shard: big enough that IndexedDB round trips are few, small enough to prefetch. */
export const SHARD_SIZE = 2500;

/**
 * Accumulates one split's images into shards and statistics. Writes are not awaited one by
 * one: up to WRITES_IN_FLIGHT shards are being committed while decoding goes on, and `drain`
 * waits for all of them (an import commits its manifest only after every write committed).
 */
export class ShardAccumulator {
  private pixels: Uint8Array<ArrayBuffer> | null = null;
  private labels = new Uint8Array(SHARD_SIZE);
  private coarse: Uint8Array | null = null;
  private filled = 0;
  readonly shardSizes: number[] = [];
  /** Each shard's digests, in shard order (settled once `WriteQueue.drain` resolved). */
  readonly digests: Promise<ShardDigests>[] = [];
  /** 256 bins per channel: exact mean and std with no floating-point drift. */
  readonly histogram = new Float64Array(3 * 256);
  count = 0;

  constructor(
    private readonly split: Split,
    private readonly storageId: string,
    private readonly writes: WriteQueue,
    /** A buffer for the next shard's pixels (the importer reuses stored shards' buffers). */
    private readonly newPixels: (bytes: number) => Uint8Array<ArrayBuffer> = (bytes) =>
      new Uint8Array(bytes),
  ) {}

  async add(images: DecodedImages): Promise<void> {
    const p = images.pixels;
    addChannelHistogram(p.subarray(0, images.count * IMAGE_BYTES), this.histogram);
    let from = 0;
    while (from < images.count) {
      const take = Math.min(SHARD_SIZE - this.filled, images.count - from);
      const slice = p.subarray(from * IMAGE_BYTES, (from + take) * IMAGE_BYTES);
      const labels = images.labels.subarray(from, from + take);
      const coarse = images.coarseLabels?.subarray(from, from + take);
      if (this.filled === 0 && take === SHARD_SIZE && !images.transient) {
        // A whole shard in one piece: stored as it is when the piece owns its buffer, else
        // copied into its own (IndexedDB clones a view's whole ArrayBuffer): fewer copies.
        await this.store(SHARD_SIZE, own(slice), own(labels), coarse && own(coarse));
      } else {
        this.pixels ??= this.newPixels(SHARD_SIZE * IMAGE_BYTES);
        this.pixels.set(slice, this.filled * IMAGE_BYTES);
        this.labels.set(labels, this.filled);
        if (coarse) {
          this.coarse ??= new Uint8Array(SHARD_SIZE);
          this.coarse.set(coarse, this.filled);
        }
        this.filled += take;
        if (this.filled === SHARD_SIZE) await this.flush();
      }
      from += take;
    }
  }

  async flush(): Promise<void> {
    if (this.filled === 0 || !this.pixels) return;
    const n = this.filled;
    this.filled = 0;
    if (n === SHARD_SIZE) {
      // A full shard: its buffers are stored as they are, not copied; the next shard gets
      // others (a stored shard's pixel buffer, once IndexedDB copied it).
      const { pixels, labels, coarse } = this;
      this.pixels = null;
      this.labels = new Uint8Array(SHARD_SIZE);
      this.coarse = null;
      await this.store(n, pixels, labels, coarse ?? undefined);
      return;
    }
    await this.store(
      n,
      this.pixels.slice(0, n * IMAGE_BYTES),
      this.labels.slice(0, n),
      this.coarse?.slice(0, n),
    );
  }

  private async store(
    n: number,
    pixels: Uint8Array<ArrayBuffer>,
    labels: Uint8Array<ArrayBuffer>,
    coarseLabels: Uint8Array | undefined,
  ): Promise<void> {
    const shard: Shard = {
      storageId: this.storageId,
      split: this.split,
      index: this.shardSizes.length,
      count: n,
      pixels,
      labels,
    };
    if (coarseLabels) shard.coarseLabels = coarseLabels;
    this.shardSizes.push(n);
    this.count += n;
    this.digests.push(this.writes.start(shard));
    await this.writes.waitForRoom();
  }
}

/** The array itself when it spans its whole buffer, else a copy that does. */
function own(view: Uint8Array): Uint8Array<ArrayBuffer> {
  return view.byteOffset === 0 && view.byteLength === view.buffer.byteLength
    ? (view as Uint8Array<ArrayBuffer>)
    : view.slice();
}
