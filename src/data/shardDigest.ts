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

/**
 * Starts hashing (WebCrypto works on its own thread), stores the shard, then waits for both.
 * `copied` is called as soon as both took their copy of the shard's bytes (`digest` copies
 * when called, and `put` must too: IndexedDB's put clones the value before returning), so the
 * shard's buffers can be reused while the write is still committing.
 */
export async function hashAndStore(
  shard: Shard,
  put: (shard: Shard) => Promise<void>,
  copied?: () => void,
): Promise<ShardDigests> {
  // Hashed before the put: the digests are over exactly the bytes handed to IndexedDB.
  const digests = Promise.all([
    crypto.subtle.digest('SHA-256', shard.pixels as Uint8Array<ArrayBuffer>),
    crypto.subtle.digest('SHA-256', shard.labels as Uint8Array<ArrayBuffer>),
  ]);
  const stored = put(shard);
  copied?.();
  await stored;
  const [pixels, labels] = await digests;
  return { pixels, labels };
}
