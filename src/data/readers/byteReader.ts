/**
 * Reading a stream of chunks (a fetch body, a file's `stream()`, a decompressor's output) in
 * pieces of the size a reader asks for, so that no input is ever held whole: an import keeps
 * about one shard's worth of bytes in hand whatever the file's size (issue #15, item 5).
 */

/** Pulls exact-size pieces out of a byte stream; fewer bytes only at its end. */
export class ByteReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private ended = false;
  /** Bytes handed out (read or skipped) so far. */
  consumed = 0;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.reader = stream.getReader();
  }

  private async fill(n: number): Promise<void> {
    while (this.buffered < n && !this.ended) {
      const { done, value } = await this.reader.read();
      if (done) {
        this.ended = true;
        break;
      }
      if (value.byteLength > 0) {
        this.chunks.push(value);
        this.buffered += value.byteLength;
      }
    }
  }

  /** Takes `n` buffered bytes (n <= buffered) into one array (a view when one chunk has them). */
  private take(n: number, keep: boolean): Uint8Array {
    const first = this.chunks[0];
    let out: Uint8Array;
    if (first && first.byteLength >= n) {
      out = first.subarray(0, n);
      if (!keep) {
        if (first.byteLength === n) this.chunks.shift();
        else this.chunks[0] = first.subarray(n);
      }
    } else {
      out = new Uint8Array(n);
      let filled = 0;
      let i = 0;
      while (filled < n) {
        const chunk = this.chunks[i]!;
        const part = Math.min(chunk.byteLength, n - filled);
        out.set(chunk.subarray(0, part), filled);
        filled += part;
        if (keep) i++;
        else if (part === chunk.byteLength) this.chunks.shift();
        else this.chunks[0] = chunk.subarray(part);
      }
    }
    if (!keep) {
      this.buffered -= n;
      this.consumed += n;
    }
    return out;
  }

  /** The next `n` bytes without consuming them (fewer at the end). */
  async peek(n: number): Promise<Uint8Array> {
    await this.fill(n);
    return this.take(Math.min(n, this.buffered), true);
  }

  /** The next `n` bytes (fewer only at the end of the stream). */
  async read(n: number): Promise<Uint8Array> {
    await this.fill(n);
    return this.take(Math.min(n, this.buffered), false);
  }

  /**
   * The next `n` bytes (fewer only at the end) copied into `scratch` (n <= its length), which
   * the caller reuses: no new buffer per read, so a streamed import makes less garbage.
   */
  async readInto(n: number, scratch: Uint8Array): Promise<Uint8Array> {
    await this.fill(n);
    const count = Math.min(n, this.buffered);
    let filled = 0;
    while (filled < count) {
      const chunk = this.chunks[0]!;
      const part = Math.min(chunk.byteLength, count - filled);
      scratch.set(chunk.subarray(0, part), filled);
      filled += part;
      if (part === chunk.byteLength) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(part);
    }
    this.buffered -= count;
    this.consumed += count;
    return scratch.subarray(0, count);
  }

  /** Drops the next `n` bytes without keeping them; resolves with how many there were. */
  async skip(n: number): Promise<number> {
    let left = n;
    while (left > 0) {
      await this.fill(Math.min(left, 1 << 20));
      if (this.buffered === 0) break;
      const part = Math.min(left, this.buffered);
      this.take(part, false);
      left -= part;
    }
    return n - left;
  }

  /** The rest of the stream, as a stream (what was peeked comes first). */
  rest(): ReadableStream<Uint8Array> {
    const chunks = this.chunks;
    this.chunks = [];
    this.buffered = 0;
    const reader = this.reader;
    const ended = this.ended;
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        const next = chunks.shift();
        if (next) return controller.enqueue(next);
        if (ended) return controller.close();
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    });
  }

  /** Stops reading; the source is told (a download stops). */
  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => undefined);
  }
}

/** A byte stream over a buffer, in views of `chunkBytes` (no copy). */
export function bytesStream(bytes: Uint8Array, chunkBytes = 4 << 20): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull: (controller) => {
      if (offset >= bytes.byteLength) return controller.close();
      const end = Math.min(bytes.byteLength, offset + chunkBytes);
      controller.enqueue(bytes.subarray(offset, end));
      offset = end;
    },
  });
}

/**
 * A stream that counts its bytes as they pass and remembers the source's own failure (a
 * network error), so that a decompressor's error can be told apart from the download's.
 */
export function countedStream(
  source: ReadableStream<Uint8Array>,
  onBytes: (bytes: number) => void,
  /** Milliseconds each read waited for the source (for the import's timings). */
  onWait?: (ms: number) => void,
): { stream: ReadableStream<Uint8Array>; failure: () => unknown } {
  const reader = source.getReader();
  let failed: unknown = null;
  const stream = new ReadableStream<Uint8Array>({
    pull: async (controller) => {
      let result: ReadableStreamReadResult<Uint8Array>;
      const started = onWait ? performance.now() : 0;
      try {
        result = await reader.read();
        onWait?.(performance.now() - started);
      } catch (error) {
        failed = error ?? new Error('the stream failed');
        throw error;
      }
      if (result.done) return controller.close();
      onBytes(result.value.byteLength);
      controller.enqueue(result.value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return { stream, failure: () => failed };
}

/**
 * Bytes [start, end) of a Blob as a stream of explicit slices of `sliceBytes`, each read only
 * when the consumer pulls (a File's slices come from disk): at most one slice in hand.
 */
export function blobStream(
  blob: Blob,
  start = 0,
  end = blob.size,
  sliceBytes = 1 << 20,
): ReadableStream<Uint8Array> {
  let at = start;
  const stop = Math.min(end, blob.size);
  return new ReadableStream<Uint8Array>(
    {
      pull: async (controller) => {
        if (at >= stop) return controller.close();
        const next = Math.min(stop, at + sliceBytes);
        const bytes = new Uint8Array(await blob.slice(at, next).arrayBuffer());
        at = next;
        controller.enqueue(bytes);
      },
    },
    { highWaterMark: 0 },
  );
}
