/**
 * Storing a shard together with its checksum: the SHA-256 digests of its pixels and labels
 * (the dataset's checksum is the digest of all of them, in order). Used by the importer. No DOM
 * types.
 */
import type { Shard } from '../storage/datasetStore';

export interface ShardDigests {
  pixels: ArrayBuffer;
  labels: ArrayBuffer;
}

/** Starts hashing (WebCrypto works on its own thread), stores the shard, then waits for both. */
export async function hashAndStore(
  shard: Shard,
  put: (shard: Shard) => Promise<void>,
): Promise<ShardDigests> {
  // Hashed before the put: the digests are over exactly the bytes handed to IndexedDB.
  const digests = Promise.all([
    crypto.subtle.digest('SHA-256', shard.pixels as Uint8Array<ArrayBuffer>),
    crypto.subtle.digest('SHA-256', shard.labels as Uint8Array<ArrayBuffer>),
  ]);
  await put(shard);
  const [pixels, labels] = await digests;
  return { pixels, labels };
}
