import { gzipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fixtureImages, fixtureIndex } from '../testing/fixtures';
import { cifar100Bin, cifar10Bin, hfParquet, otherParquet, svhnMat } from '../testing/formats';
import { CIFAR100_COARSE_LABELS, CIFAR100_FINE_LABELS } from '../labelNames';
import { readCifar100Binary, readCifar10Binary, writeCifar10Binary } from './cifarBinary';
import { DatasetInputError } from './decodedImages';
import { decodeInput } from './decodeInput';
import { GzipInflater } from './gunzip';
import { writeTar } from '../testing/tarWriter';
import { readParquetImages } from './parquetImages';
import { readTar } from './tar';

const buffer = (bytes: Uint8Array): ArrayBuffer =>
  bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;

/** The images a reader returned equal the fixture images, pixel for pixel. */
function expectFixture(
  pixels: Uint8Array,
  labels: Uint8Array,
  count: number,
  labelOf: (i: number) => number,
) {
  const expected = fixtureImages(count, labelOf);
  // Buffer.equals: a byte compare, much faster than a deep equal of typed arrays.
  expect(Buffer.from(pixels).equals(Buffer.from(expected.pixels))).toBe(true);
  expect(Array.from(labels)).toEqual(Array.from(expected.labels));
}

describe('CIFAR-10 binary', () => {
  it('reads records into NHWC with labels, and writes them back byte for byte', () => {
    const bytes = cifar10Bin(25);
    const decoded = readCifar10Binary('data_batch_1.bin', bytes);
    expect(decoded).toMatchObject({ kind: 'cifar10', split: 'train', count: 25 });
    expectFixture(decoded.pixels, decoded.labels, 25, (i) => i % 10);
    expect(Buffer.from(writeCifar10Binary(decoded.pixels, decoded.labels)).equals(bytes)).toBe(
      true,
    );
  });

  it('puts the R, G and B planes into interleaved pixels', () => {
    const bytes = new Uint8Array(3073);
    bytes[0] = 3;
    bytes[1 + 5] = 10; // R of pixel 5
    bytes[1 + 1024 + 5] = 20; // G
    bytes[1 + 2048 + 5] = 30; // B
    const { pixels, labels } = readCifar10Binary('test_batch.bin', bytes);
    expect(Array.from(pixels.subarray(15, 18))).toEqual([10, 20, 30]);
    expect(labels[0]).toBe(3);
  });

  it('takes the split from the file name', () => {
    expect(readCifar10Binary('cifar-10-batches-bin/test_batch.bin', cifar10Bin(1)).split).toBe(
      'test',
    );
    expect(readCifar10Binary('data_batch_3.bin', cifar10Bin(1)).split).toBe('train');
  });

  it.each([
    ['an empty file', new Uint8Array(0), /empty \(0 bytes\)/],
    [
      'a wrong record size',
      new Uint8Array(1000),
      /smaller than one CIFAR-10 record \(3073 bytes\)/,
    ],
    [
      'a truncated last record',
      cifar10Bin(3).subarray(0, 3 * 3073 - 100),
      /truncated record: 2 full records of 3073 bytes and 2973 bytes left over/,
    ],
    [
      'a CIFAR-100 file',
      cifar100Bin(4),
      /looks like CIFAR-100 binary, not CIFAR-10\. Import it as CIFAR-100/,
    ],
    [
      'a label out of range',
      cifar10Bin(5, (i) => (i === 3 ? 12 : 1)),
      /record 3 has label 12, but CIFAR-10 labels are 0-9/,
    ],
  ])('rejects %s with a clear message', (_, bytes, message) => {
    expect(() => readCifar10Binary('data_batch_1.bin', bytes)).toThrow(message);
    expect(() => readCifar10Binary('data_batch_1.bin', bytes)).toThrow(DatasetInputError);
  });
});

describe('CIFAR-100 binary', () => {
  it('reads coarse and fine labels', () => {
    const decoded = readCifar100Binary('train.bin', cifar100Bin(30));
    expect(decoded).toMatchObject({ kind: 'cifar100', split: 'train', count: 30 });
    expectFixture(decoded.pixels, decoded.labels, 30, (i) => i % 100);
    expect(Array.from(decoded.coarseLabels!.subarray(0, 22))).toEqual(
      Array.from({ length: 22 }, (_, i) => i % 20),
    );
  });

  it('has 100 fine and 20 coarse label names', () => {
    expect(CIFAR100_FINE_LABELS).toHaveLength(100);
    expect(CIFAR100_COARSE_LABELS).toHaveLength(20);
  });

  it('rejects a CIFAR-10 file and out-of-range labels', () => {
    expect(() => readCifar100Binary('train.bin', cifar10Bin(4))).toThrow(
      /looks like CIFAR-10 binary/,
    );
    const bad = cifar100Bin(2);
    bad[3074 + 1] = 140;
    expect(() => readCifar100Binary('train.bin', bad)).toThrow(
      /record 1 has coarse label 1 and fine label 140/,
    );
  });
});

describe('tar and gzip', () => {
  const tarball = (members: { name: string; bytes: Uint8Array }[]) => gzipSync(writeTar(members));

  it('reads the official cifar-10-binary.tar.gz layout', async () => {
    const archive = tarball([
      {
        name: 'cifar-10-batches-bin/batches.meta.txt',
        bytes: new TextEncoder().encode('airplane\n'),
      },
      { name: 'cifar-10-batches-bin/test_batch.bin', bytes: cifar10Bin(4) },
      { name: 'cifar-10-batches-bin/data_batch_2.bin', bytes: cifar10Bin(3) },
      { name: 'cifar-10-batches-bin/data_batch_1.bin', bytes: cifar10Bin(5) },
    ]);
    const decoded = await decodeInput('cifar-10-binary.tar.gz', buffer(archive), undefined);
    // Streamed: members in archive order, other files skipped.
    expect(decoded.map((d) => [d.origin, d.split, d.count])).toEqual([
      ['cifar-10-batches-bin/test_batch.bin', 'test', 4],
      ['cifar-10-batches-bin/data_batch_2.bin', 'train', 3],
      ['cifar-10-batches-bin/data_batch_1.bin', 'train', 5],
    ]);
  });

  it('reads cifar-100-binary.tar.gz', async () => {
    const archive = tarball([
      { name: 'cifar-100-binary/train.bin', bytes: cifar100Bin(6) },
      { name: 'cifar-100-binary/test.bin', bytes: cifar100Bin(2) },
    ]);
    const decoded = await decodeInput('cifar-100-binary.tar.gz', buffer(archive), undefined);
    expect(decoded.map((d) => [d.kind, d.split, d.count])).toEqual([
      ['cifar100', 'train', 6],
      ['cifar100', 'test', 2],
    ]);
  });

  it('round-trips tar members', () => {
    const members = [{ name: 'a/b.bin', bytes: new Uint8Array([1, 2, 3]) }];
    expect(readTar('x.tar', writeTar(members))).toEqual(members);
  });

  it('reads a gzipped single .bin file', async () => {
    const decoded = await decodeInput(
      'test_batch.bin.gz',
      buffer(gzipSync(cifar10Bin(3))),
      undefined,
    );
    expect(decoded[0]).toMatchObject({ split: 'test', count: 3 });
  });

  it('rejects a file that is not gzip', async () => {
    await expect(
      decodeInput('cifar-10-binary.tar.gz', buffer(cifar10Bin(1)), undefined),
    ).rejects.toThrow(/is not a gzip file \(it does not start with the gzip signature 1f 8b\)/);
  });

  it('rejects gzip of garbage', async () => {
    const garbage = gzipSync(new Uint8Array(5000).map((_, i) => (i * 31) & 255));
    await expect(decodeInput('cifar-10-binary.tar.gz', buffer(garbage), undefined)).rejects.toThrow(
      /decompresses, but what is inside is not a tar archive/,
    );
  });

  it('rejects a tar with no CIFAR members', async () => {
    const archive = tarball([
      { name: 'notes/readme.txt', bytes: new TextEncoder().encode('hello') },
    ]);
    await expect(decodeInput('cifar-10-binary.tar.gz', buffer(archive), 'cifar10')).rejects.toThrow(
      /holds no CIFAR-10 members \(data_batch_1\.bin … test_batch\.bin\); it holds notes\/readme\.txt/,
    );
  });

  it('rejects CIFAR-100 records offered as CIFAR-10 by name', async () => {
    await expect(
      decodeInput('data_batch_1.bin', buffer(cifar100Bin(3)), undefined),
    ).rejects.toThrow(/looks like CIFAR-100 binary/);
  });
});

describe.each([
  ['zlib in WebAssembly', false],
  ['DecompressionStream, where WebAssembly cannot start', true],
])('gzip inflated by %s', (_, noWasm) => {
  // A browser in a JIT-less security mode has no WebAssembly: DecompressionStream takes over.
  beforeEach(() => {
    if (noWasm) {
      vi.spyOn(GzipInflater, 'create').mockRejectedValue(new Error('WebAssembly is not defined'));
    }
  });
  afterEach(() => void vi.restoreAllMocks());

  it('reads a .tar.gz', async () => {
    const archive = gzipSync(
      writeTar([{ name: 'cifar-10-batches-bin/data_batch_1.bin', bytes: cifar10Bin(5) }]),
    );
    const decoded = await decodeInput('cifar-10-binary.tar.gz', buffer(archive), undefined);
    expect(decoded.map((d) => [d.split, d.count])).toEqual([['train', 5]]);
    expectFixture(decoded[0]!.pixels, decoded[0]!.labels, 5, (i) => i % 10);
    if (noWasm) expect(GzipInflater.create).toHaveBeenCalled();
  });

  it('rejects damaged data', async () => {
    const bytes = gzipSync(cifar10Bin(2));
    bytes.fill(7, 20, 200);
    await expect(decodeInput('cifar-10-binary.tar.gz', buffer(bytes), undefined)).rejects.toThrow(
      /compressed data is damaged/,
    );
  });

  it('rejects a file cut short as damaged (saying why where zlib is ours)', async () => {
    const bytes = gzipSync(cifar10Bin(40));
    await expect(
      decodeInput(
        'data_batch_1.bin.gz',
        buffer(bytes.subarray(0, bytes.byteLength - 40)),
        undefined,
      ),
    ).rejects.toThrow(
      noWasm
        ? /compressed data is damaged/
        : /compressed data is damaged \(it ends early: the file is cut short\)/,
    );
  });

  it('refuses a gzip bomb before inflating it all', async () => {
    const bomb = gzipSync(new Uint8Array(40 << 20));
    await expect(decodeInput('data_batch_1.bin.gz', buffer(bomb), undefined)).rejects.toThrow(
      /decompresses to more than 100 times its size \(a gzip bomb/,
    );
  });
});

describe('SVHN .mat', () => {
  it('goes through decodeInput by contents', async () => {
    const decoded = await decodeInput('test_32x32.mat', buffer(svhnMat(3, true)), undefined);
    expect(decoded[0]).toMatchObject({ kind: 'svhn', split: 'test', count: 3 });
    // Label 10 in the file is digit 0.
    expectFixture(decoded[0]!.pixels, decoded[0]!.labels, 3, (i) => i % 10);
  });
});

describe('forged sizes', () => {
  it('refuses a tar member cut short in the stream', async () => {
    const archive = writeTar([{ name: 'data_batch_1.bin', bytes: cifar10Bin(3) }]);
    await expect(
      decodeInput('c.tar', buffer(archive.subarray(0, 512 + 4000)), undefined),
    ).rejects.toThrow(
      /c\.tar is cut short: member data_batch_1\.bin needs 9219 bytes but the archive ends first/,
    );
  });

  it('says a tar holds neither CIFAR-10 nor CIFAR-100 members when no kind was chosen', async () => {
    const archive = writeTar([
      { name: 'notes/readme.txt', bytes: new TextEncoder().encode('hello') },
    ]);
    await expect(decodeInput('x.tar', buffer(archive), undefined)).rejects.toThrow(
      /holds no CIFAR-10 members \(data_batch_1\.bin … test_batch\.bin\) and no CIFAR-100 members \(train\.bin, test\.bin\); it holds notes\/readme\.txt/,
    );
  });

  it('names an HTML file as a web page', async () => {
    const page = new TextEncoder().encode('\n  <!DOCTYPE html><html><body>Not found</body></html>');
    await expect(decodeInput('data_batch_1.bin', buffer(page), undefined)).rejects.toThrow(
      /is a web page \(HTML\), not a dataset/,
    );
  });

  it('reads a file streamed in pieces of a quarter shard, records split across chunks', async () => {
    const { decodeStream } = await import('./decodeInput');
    const { bytesStream } = await import('./byteReader');
    const file = cifar10Bin(5003);
    const pieces = [];
    // 1000-byte chunks: every record straddles chunk boundaries.
    for await (const piece of decodeStream('data_batch_1.bin', bytesStream(file, 1000), undefined))
      pieces.push(piece);
    expect(pieces.map((p) => p.count)).toEqual([...Array<number>(8).fill(625), 3]);
    const joined = Buffer.concat(pieces.map((p) => Buffer.from(p.pixels)));
    expect(joined.equals(Buffer.from(readCifar10Binary('data_batch_1.bin', file).pixels))).toBe(
      true,
    );
  });
});

describe('Hugging Face Parquet', () => {
  it.each(['cifar10', 'svhn'] as const)(
    'decodes the PNG bytes and labels of %s',
    async (layout) => {
      const decoded = await readParquetImages('train-00000-of-00001.parquet', hfParquet(9, layout));
      expect(decoded).toMatchObject({ kind: layout, split: 'train', count: 9 });
      expectFixture(decoded.pixels, decoded.labels, 9, (i) => i % 10);
    },
  );

  it('reads CIFAR-100 fine and coarse labels', async () => {
    const decoded = await readParquetImages(
      'test-00000-of-00001.parquet',
      hfParquet(5, 'cifar100'),
    );
    expect(decoded).toMatchObject({ kind: 'cifar100', split: 'test', count: 5 });
    expect(Array.from(decoded.coarseLabels!)).toEqual([0, 1, 2, 3, 4]);
    expect(fixtureIndex(decoded.pixels, 4)).toBe(4);
  });

  it('rejects a Parquet file with another schema', async () => {
    await expect(readParquetImages('data.parquet', otherParquet())).rejects.toThrow(
      /has columns text, score; a Hugging Face image dataset needs an "img" or "image" column/,
    );
  });

  it('rejects a file that is not Parquet', async () => {
    await expect(readParquetImages('x.parquet', new ArrayBuffer(40))).rejects.toThrow(
      /is not a Parquet file/,
    );
  });
});
