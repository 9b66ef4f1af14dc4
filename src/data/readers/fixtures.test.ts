/**
 * Files written by other programs (SciPy's savemat, Python's tarfile in GNU and PAX formats),
 * committed under fixtures/ and made by scripts/fixtures/*.py, read through the app's readers.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IMAGE_BYTES } from '../../storage/datasetStore';
import { decodeInput } from './decodeInput';
import { readTar } from './tar';
import { gunzipSync } from 'fflate';

const fixture = (name: string): Uint8Array =>
  new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
const buffer = (bytes: Uint8Array): ArrayBuffer =>
  bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;

/** scripts/fixtures/common.py's images, NHWC. */
function expectedPixels(first: number, count: number): Uint8Array {
  const out = new Uint8Array(count * IMAGE_BYTES);
  for (let n = 0; n < count; n++) {
    for (let row = 0; row < 32; row++) {
      for (let col = 0; col < 32; col++) {
        for (let ch = 0; ch < 3; ch++) {
          out[n * IMAGE_BYTES + (row * 32 + col) * 3 + ch] =
            (row * 7 + col * 3 + ch * 50 + (first + n) * 20) % 256;
        }
      }
    }
  }
  return out;
}

const LONG_DIR =
  'cifar-batches/' + 'a-directory-name-long-enough-to-need-an-extended-header/'.repeat(2);

describe('SVHN .mat written by SciPy', () => {
  it.each(['svhn_scipy.mat', 'svhn_scipy_compressed.mat'])(
    '%s reads as 4 images with their digits',
    async (name) => {
      const [decoded] = await decodeInput(name, buffer(fixture(name)), undefined);
      expect(decoded).toMatchObject({ kind: 'svhn', count: 4 });
      expect(Buffer.from(decoded!.pixels).equals(Buffer.from(expectedPixels(0, 4)))).toBe(true);
      expect(Array.from(decoded!.labels)).toEqual([0, 1, 2, 3]); // stored as 10, 1, 2, 3
    },
  );
});

describe('tarballs written by Python tarfile', () => {
  it.each(['gnu', 'pax'])('reads %s long member paths (over 100 characters)', (format) => {
    const members = readTar('x.tar', gunzipSync(fixture(`cifar10_${format}.tar.gz`)));
    expect(members.map((m) => m.name)).toEqual([
      `${LONG_DIR}readme.txt`,
      `${LONG_DIR}data_batch_1.bin`,
      `${LONG_DIR}test_batch.bin`,
    ]);
    expect(members[0]!.name.length).toBeGreaterThan(100);
  });

  it.each(['gnu', 'pax'])('imports the CIFAR-10 members of a %s tarball', async (format) => {
    const name = `cifar10_${format}.tar.gz`;
    const decoded = await decodeInput(name, buffer(fixture(name)), undefined);
    expect(decoded.map((d) => [d.kind, d.split, d.count])).toEqual([
      ['cifar10', 'train', 3],
      ['cifar10', 'test', 2],
    ]);
    expect(Buffer.from(decoded[0]!.pixels).equals(Buffer.from(expectedPixels(0, 3)))).toBe(true);
    expect(Buffer.from(decoded[1]!.pixels).equals(Buffer.from(expectedPixels(3, 2)))).toBe(true);
    expect(Array.from(decoded[1]!.labels)).toEqual([3, 4]);
  });

  it.each(['gnu', 'pax'])('imports the CIFAR-100 members of a %s tarball', async (format) => {
    const name = `cifar100_${format}.tar.gz`;
    const decoded = await decodeInput(name, buffer(fixture(name)), undefined);
    expect(decoded.map((d) => [d.kind, d.split, d.count])).toEqual([
      ['cifar100', 'train', 3],
      ['cifar100', 'test', 2],
    ]);
    expect(Array.from(decoded[1]!.labels)).toEqual([21, 28]); // (n * 7) % 100 for n = 3, 4
    expect(Array.from(decoded[1]!.coarseLabels!)).toEqual([3, 4]);
    expect(Buffer.from(decoded[0]!.pixels).equals(Buffer.from(expectedPixels(0, 3)))).toBe(true);
  });

  it('says which members a CIFAR-10 import wanted, not CIFAR-100 ones', async () => {
    const name = 'cifar100_pax.tar.gz';
    await expect(decodeInput(name, buffer(fixture(name)), 'cifar10')).rejects.toThrow(
      /holds no CIFAR-10 members \(data_batch_1\.bin … test_batch\.bin\); it holds .*readme\.txt/,
    );
    await expect(decodeInput(name, buffer(fixture(name)), 'cifar10')).rejects.not.toThrow(
      /no CIFAR-100/,
    );
  });
});
