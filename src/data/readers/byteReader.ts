/**
 * Reading a stream of chunks (a fetch body, a file's `stream()`, a decompressor's output) in
 * pieces of the size a reader asks for, so that no input is ever held whole: an import keeps
 * about one shard's worth of bytes in hand whatever the file's size (issue #15, item 5).
 */

/** What a reader reports of its source as it reads (an import's progress and timings). */
export interface SourceWatch {
  /** Bytes just read from the source. */
  onBytes?(bytes: number): void;
  /** Milliseconds a read waited for the source. */
  onWait?(ms: number): void;
  /** The source itself failed (a network error), as opposed to what reads it. */
  onFailure?(error: unknown): void;
}

/** Pulls exact-size pieces out of a byte stream; fewer bytes only at its end. */
export class ByteReader {
  private reader: ReadableStreamDefaultReader<Uint8Array> | ReadableStreamBYOBReader;
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private ended = false;
  /** Bytes handed out (read or skipped) so far. */
  consumed = 0;
  /** The source itself failed (a network error), not what reads it (a decompressor). */
  sourceFailed = false;

  /** Buffers of chunks handed out as views (peek, read): never recycled. */
  private readonly lent = new WeakSet<ArrayBufferLike>();
  private readonly watch: SourceWatch;
  private readonly recycle: ((buffer: ArrayBuffer) => void) | undefined;

  constructor(
    private readonly stream: ReadableStream<Uint8Array>,
    options: {
      watch?: SourceWatch;
      /**
       * Takes back the buffer of a chunk that was only copied out of (readInto, skip), for
       * the stream's source to fill again: a source that reuses its buffers makes no garbage.
       */
      recycle?: (buffer: ArrayBuffer) => void;
    } = {},
  ) {
    this.reader = stream.getReader();
    this.watch = options.watch ?? {};
    this.recycle = options.recycle;
  }

  /** A chunk fully copied out of and dropped. */
  private done(chunk: Uint8Array): void {
    if (this.recycle && !this.lent.has(chunk.buffer)) this.recycle(chunk.buffer as ArrayBuffer);
  }

  /**
   * One read from the source, reported to the watch: into `into` when given (only
   * `chunksInto` gives one, once the reader is a BYOB reader).
   */
  private async readSource(into?: Uint8Array<ArrayBuffer>): Promise<Uint8Array | null> {
    const started = this.watch.onWait ? performance.now() : 0;
    let result: ReadableStreamReadResult<Uint8Array>;
    try {
      result = into
        ? await (this.reader as ReadableStreamBYOBReader).read(into)
        : await (this.reader as ReadableStreamDefaultReader<Uint8Array>).read();
    } catch (error) {
      this.sourceFailed = true;
      this.watch.onFailure?.(error ?? new Error('the stream failed'));
      throw error;
    }
    this.watch.onWait?.(performance.now() - started);
    if (result.done) return null;
    this.watch.onBytes?.(result.value.byteLength);
    return result.value;
  }

  private async fill(n: number): Promise<void> {
    while (this.buffered < n && !this.ended) {
      const value = await this.readSource();
      if (!value) {
        this.ended = true;
        break;
      }
      if (value.byteLength > 0) {
        this.chunks.push(value);
        this.buffered += value.byteLength;
      }
    }
  }

  /**
   * Takes `n` buffered bytes (n <= buffered) into one array (a view when one chunk has them;
   * `lend` false: the caller drops them unread, so no view is lent).
   */
  private take(n: number, keep: boolean, lend = true): Uint8Array {
    const first = this.chunks[0];
    let out: Uint8Array;
    if (first && first.byteLength >= n) {
      out = first.subarray(0, n);
      if (lend) this.lent.add(first.buffer);
      if (!keep) {
        if (first.byteLength === n) {
          this.chunks.shift();
          this.done(first);
        } else this.chunks[0] = first.subarray(n);
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
        else if (part === chunk.byteLength) {
          this.chunks.shift();
          this.done(chunk);
        } else this.chunks[0] = chunk.subarray(part);
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
      if (part === chunk.byteLength) {
        this.chunks.shift();
        this.done(chunk);
      } else this.chunks[0] = chunk.subarray(part);
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
      this.take(part, false, false);
      left -= part;
    }
    return n - left;
  }

  /** The rest of the stream, as a stream (what was peeked comes first). */
  rest(): ReadableStream<Uint8Array> {
    const chunks = this.chunks;
    this.chunks = [];
    this.buffered = 0;
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        const next = chunks.shift() ?? (this.ended ? null : await this.readSource());
        if (next) controller.enqueue(next);
        else controller.close();
      },
      cancel: (reason) => this.reader.cancel(reason),
    });
  }

  /**
   * The rest of the stream chunk by chunk, for a consumer that copies each chunk before asking
   * for the next (a decompressor): what is buffered first, then reads. A byte stream (a
   * download, a file) is read into one buffer of `bufferBytes` used again for every chunk, so
   * reading makes no garbage; another stream gives its own chunks. The other methods must not
   * be used once this started.
   */
  async *chunksInto(bufferBytes: number): AsyncGenerator<Uint8Array> {
    while (this.chunks.length > 0) {
      const chunk = this.chunks.shift()!;
      this.buffered -= chunk.byteLength;
      this.consumed += chunk.byteLength;
      yield chunk;
    }
    if (this.ended) return;
    let buffer: ArrayBuffer | null = null;
    if (this.reader instanceof ReadableStreamDefaultReader) {
      this.reader.releaseLock();
      try {
        this.reader = this.stream.getReader({ mode: 'byob' });
        buffer = new ArrayBuffer(bufferBytes);
      } catch {
        this.reader = this.stream.getReader(); // not a byte stream
      }
    }
    for (;;) {
      // A BYOB read takes the buffer over and gives it back as the chunk's buffer.
      const chunk = await this.readSource(buffer ? new Uint8Array(buffer) : undefined);
      if (!chunk) {
        this.ended = true;
        return;
      }
      if (buffer) buffer = chunk.buffer as ArrayBuffer;
      this.consumed += chunk.byteLength;
      yield chunk;
    }
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
