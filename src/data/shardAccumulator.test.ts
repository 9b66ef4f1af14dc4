import { describe, expect, it } from 'vitest';
import { IMAGE_BYTES, type Shard } from '../storage/datasetStore';
import type { DecodedImages } from './readers/decodedImages';
import { SHARD_SIZE, ShardAccumulator } from './shardAccumulator';
import type { ShardDigests } from './shardDigest';
import { emptyTimings, WriteQueue } from './writeQueue';

/** A whole shard's worth of images in one piece, in arrays that span their buffers. */
function wholeShardPiece(value: number, transient: boolean): DecodedImages {
  const piece: DecodedImages = {
    kind: 'cifar10',
    split: 'train',
    origin: 'data_batch_1.bin',
    count: SHARD_SIZE,
    pixels: new Uint8Array(SHARD_SIZE * IMAGE_BYTES).fill(value),
    labels: new Uint8Array(SHARD_SIZE).fill(value % 10),
  };
  if (transient) piece.transient = true;
  return piece;
}

async function storedAfterOverwrite(
  transient: boolean,
): Promise<{ adopted: boolean; shard: Shard }> {
  const stored: Shard[] = [];
  // Keeps the shard as handed over (no copy), as a put that has not cloned it yet would.
  const queue = new WriteQueue(async (shard) => {
    stored.push(shard);
    return { pixels: new ArrayBuffer(32), labels: new ArrayBuffer(32) } satisfies ShardDigests;
  }, emptyTimings());
  const accumulator = new ShardAccumulator('train', 'id', queue);
  const piece = wholeShardPiece(7, transient);
  await accumulator.add(piece);
  await accumulator.flush();
  await queue.drain();
  const adopted = stored[0]!.pixels.buffer === piece.pixels.buffer;
  piece.pixels.fill(9); // the reader decodes its next piece into the same arrays
  piece.labels.fill(9);
  return { adopted, shard: stored[0]! };
}

describe('ShardAccumulator', () => {
  it('stores a whole-shard piece as it is, but copies a transient one (its arrays are reused)', async () => {
    expect((await storedAfterOverwrite(false)).adopted).toBe(true);
    const { adopted, shard } = await storedAfterOverwrite(true);
    expect(adopted).toBe(false);
    expect(shard.count).toBe(SHARD_SIZE);
    expect(shard.pixels.every((v) => v === 7)).toBe(true);
    expect(shard.labels.every((v) => v === 7)).toBe(true);
  });
});
