import { describe, expect, it } from 'vitest';
import { ByteReader, bytesStream } from './byteReader';

const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i & 255);

/** A stream of fresh chunks of `size` bytes over `data`. */
function chunked(data: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull: (controller) => {
      if (at >= data.byteLength) return controller.close();
      controller.enqueue(data.slice(at, at + size));
      at += size;
    },
  });
}

describe('ByteReader', () => {
  it('hands back the buffers of chunks only copied out of, never of chunks lent as views', async () => {
    const data = bytes(10_000);
    const recycled: ArrayBuffer[] = [];
    const reader = new ByteReader(chunked(data, 1000), { recycle: (b) => recycled.push(b) });
    const head = await reader.read(100); // a view into the first chunk: lent
    const scratch = new Uint8Array(4000);
    const body = await reader.readInto(3900, scratch); // the rest of chunk 1, chunks 2-4 copied
    expect(head).toEqual(data.subarray(0, 100));
    expect(body).toEqual(data.subarray(100, 4000));
    expect(recycled).toHaveLength(3);
    expect(await reader.skip(2500)).toBe(2500); // chunks 5 and 6 dropped, 7 half
    expect(recycled).toHaveLength(5);
    expect(await reader.readInto(3500, scratch)).toEqual(data.subarray(6500, 10_000));
    expect(recycled).toHaveLength(9);
    expect(new Set(recycled).size).toBe(9);
  });

  it('reads a byte stream into one reused buffer, and any other stream chunk by chunk', async () => {
    const data = bytes(50_000);
    let at = 0;
    const source = new ReadableStream({
      type: 'bytes',
      pull: (controller: ReadableByteStreamController) => {
        if (at >= data.byteLength) {
          controller.close();
          return controller.byobRequest?.respond(0); // a pending BYOB read ends here
        }
        controller.enqueue(data.slice(at, at + 7000));
        at += 7000;
      },
    });
    const seen: number[] = [];
    const reader = new ByteReader(source, { watch: { onBytes: (n) => seen.push(n) } });
    const head = (await reader.peek(10)).slice();
    const parts: Uint8Array[] = [];
    const buffers = new Set<number>();
    for await (const chunk of reader.chunksInto(4096)) {
      parts.push(chunk.slice());
      buffers.add(chunk.buffer.byteLength);
    }
    expect(head).toEqual(data.subarray(0, 10));
    expect(new Uint8Array(parts.flatMap((p) => [...p]))).toEqual(data);
    // The peeked chunk came whole from the source; every later one into the 4 KiB buffer.
    expect([...buffers].sort()).toEqual([4096, 7000]);
    expect(seen.reduce((a, b) => a + b, 0)).toBe(data.byteLength);
    expect(reader.consumed).toBe(data.byteLength);

    const plain = new ByteReader(bytesStream(data, 9000));
    let total = 0;
    for await (const chunk of plain.chunksInto(4096)) total += chunk.byteLength;
    expect(total).toBe(data.byteLength);
  });

  it('reports a failing source as such', async () => {
    const failures: unknown[] = [];
    const broken = new ReadableStream<Uint8Array>({
      pull: (controller) => controller.error(new Error('connection reset')),
    });
    const reader = new ByteReader(broken, { watch: { onFailure: (e) => failures.push(e) } });
    expect(reader.sourceFailed).toBe(false);
    await expect(reader.read(10)).rejects.toThrow('connection reset');
    expect(failures).toHaveLength(1);
    expect(reader.sourceFailed).toBe(true);
  });
});
