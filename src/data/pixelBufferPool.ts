/**
 * Shard pixel buffers reused within an import. IndexedDB's `put` and WebCrypto's `digest` copy
 * a shard's bytes when called, so once a shard is stored its buffer can take the next shard's
 * pixels instead of becoming 7.7 MB of garbage: V8 collects ArrayBuffers only after tens of
 * MB of them pile up, and that garbage was a large part of an import's tab memory (issue #15,
 * docs/data.md "Import memory").
 */
export class PixelBufferPool {
  private readonly free: ArrayBuffer[] = [];

  constructor(
    /** The size of a full shard's pixels: only buffers of this size are kept. */
    private readonly bytes: number,
    /** At most this many kept (a shard being filled and the writes in flight need no more). */
    private readonly kept = 2,
  ) {}

  /** A buffer of `bytes`: a stored shard's, when one is free. Its contents are stale. */
  take(bytes: number): Uint8Array<ArrayBuffer> {
    const free = bytes === this.bytes ? this.free.pop() : undefined;
    return free ? new Uint8Array(free) : new Uint8Array(bytes);
  }

  /** Hands back a stored shard's buffer (call only once nothing reads it any more). */
  give(buffer: ArrayBufferLike): void {
    if (
      buffer instanceof ArrayBuffer &&
      buffer.byteLength === this.bytes &&
      this.free.length < this.kept &&
      !this.free.includes(buffer)
    ) {
      this.free.push(buffer);
    }
  }
}
