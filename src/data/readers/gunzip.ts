/**
 * Gzip decompression by zlib compiled to WebAssembly (the zlib-streams package's build, used
 * through its exports, not its TransformStream), into one output buffer in WebAssembly memory
 * that serves the whole file. No DOM types: the import worker and Node's tests share it.
 *
 * Why not the browser's DecompressionStream, which is native and about as fast: it hands over
 * every 16 KiB of output as a new ArrayBuffer that Blink owns. V8 stops counting such a buffer
 * once its JavaScript wrapper dies in a minor GC, though the memory stays until a full GC, so a
 * 1 GiB import piled up tens of MB of them (issue #15; docs/data.md, "Import memory"). Here
 * nothing is allocated per chunk but the caller's own copy of the output.
 */
import init from 'zlib-streams/zlib-streams.wasm?init';

/** The zlib wrapper's exports that inflating needs (see zlib-streams' src/wasm). */
interface ZlibExports {
  memory: WebAssembly.Memory;
  malloc(bytes: number): number;
  free(ptr: number): void;
  _initialize?(): void;
  inflate_new(): number;
  inflate_init_gzip(stream: number): number;
  /** One inflate() call; returns bytes produced | zlib's return code << 24. */
  inflate_process(
    stream: number,
    input: number,
    inputBytes: number,
    output: number,
    outputBytes: number,
    flush: number,
  ): number;
  inflate_last_consumed(stream: number): number;
  inflate_end(stream: number): number;
}

/** The compressed data cannot be inflated (damaged, cut short, or not deflate at all). */
export class InflateError extends Error {
  override name = 'InflateError';
}

const Z_STREAM_END = 1;
const Z_BUF_ERROR = -5;
const ZLIB_ERRORS: Record<number, string> = {
  [-2]: 'zlib stream error',
  [-3]: 'invalid compressed data',
  [-4]: 'out of memory',
  2: 'a preset dictionary is needed',
};

/** Bytes of input copied into WebAssembly memory per inflate call. */
const INPUT_BYTES = 256 << 10;

/**
 * Inflates one gzip file (one or more members, RFC 1952 section 2.2) pushed in pieces. Output
 * is handed to `onOutput` as a view into WebAssembly memory, valid only during the call: copy
 * what is kept. Call `close` when done, also after an error.
 */
export class GzipInflater {
  private stream = 0;
  private readonly input: number;
  private readonly output: number;
  /** The current member reached its end (Z_STREAM_END); more input starts another member. */
  private memberEnded = false;

  private constructor(
    private readonly zlib: ZlibExports,
    /** The most bytes one call of `onOutput` is given. */
    readonly outputBytes: number,
  ) {
    this.input = zlib.malloc(INPUT_BYTES);
    this.output = zlib.malloc(outputBytes);
    if (!this.input || !this.output) throw new InflateError('out of memory');
    this.startMember();
  }

  /** A fresh WebAssembly instance (its own memory) for one file. */
  static async create(outputBytes = 256 << 10): Promise<GzipInflater> {
    const instance = await init();
    const zlib = instance.exports as unknown as ZlibExports;
    zlib._initialize?.();
    return new GzipInflater(zlib, outputBytes);
  }

  private startMember(): void {
    if (this.stream) this.zlib.inflate_end(this.stream);
    this.stream = this.zlib.inflate_new();
    if (!this.stream || this.zlib.inflate_init_gzip(this.stream) !== 0) {
      throw new InflateError('zlib could not start');
    }
    this.memberEnded = false;
  }

  /** Inflates `bytes` (a piece of the file, any size), handing out what it produces. */
  push(bytes: Uint8Array, onOutput: (bytes: Uint8Array) => void): void {
    for (let at = 0; at < bytes.byteLength; at += INPUT_BYTES) {
      const piece = bytes.subarray(at, at + INPUT_BYTES);
      new Uint8Array(this.zlib.memory.buffer, this.input, piece.byteLength).set(piece);
      this.inflate(piece.byteLength, onOutput);
    }
  }

  /** The input ended: hands out what is left, and throws if the data stopped mid-member. */
  end(onOutput: (bytes: Uint8Array) => void): void {
    this.inflate(0, onOutput);
    if (!this.memberEnded) {
      throw new InflateError('it ends early: the file is cut short');
    }
  }

  close(): void {
    if (this.stream) this.zlib.inflate_end(this.stream);
    this.stream = 0;
    this.zlib.free(this.input);
    this.zlib.free(this.output);
  }

  /** Inflates the `length` bytes at the input buffer until all are used and output drained. */
  private inflate(length: number, onOutput: (bytes: Uint8Array) => void): void {
    let offset = 0;
    for (;;) {
      if (this.memberEnded) {
        if (offset === length) return;
        this.startMember(); // concatenated members form one file (what gunzip does)
      }
      const result = this.zlib.inflate_process(
        this.stream,
        this.input + offset,
        length - offset,
        this.output,
        this.outputBytes,
        0,
      );
      const produced = result & 0xffffff;
      const code = result >> 24; // the sign comes back with the arithmetic shift
      const consumed = this.zlib.inflate_last_consumed(this.stream);
      offset += consumed;
      if (produced > 0) {
        onOutput(new Uint8Array(this.zlib.memory.buffer, this.output, produced));
      }
      if (code === Z_STREAM_END) {
        this.memberEnded = true;
        continue;
      }
      if (code !== 0 && code !== Z_BUF_ERROR) {
        throw new InflateError(ZLIB_ERRORS[code] ?? `zlib error ${code}`);
      }
      // More output may wait only when the output buffer was filled; else more input is needed.
      if (produced < this.outputBytes && offset === length) return;
      if (produced === 0 && consumed === 0) throw new InflateError('zlib made no progress');
    }
  }
}
