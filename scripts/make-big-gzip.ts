/**
 * `tsx scripts/make-big-gzip.ts [--gb N]`: writes data/bench/cifar10-<N>gb.bin.gz (ignored by
 * git, never committed), a gzip of about N GiB of valid CIFAR-10 binary records, for the
 * memory measurement of `npm run bench:data -- --gzip-gb N`. The records are the real CIFAR-10
 * images of the shipped sample, repeated (repeats are far apart, beyond gzip's 32 KiB window,
 * so they compress as real data does). Level 1: it is written fast, and compresses about as
 * well as level 6 on photographs.
 */
import { createWriteStream, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createGzip, gunzipSync } from 'node:zlib';

const RECORD = 3073;
const SAMPLE = 'public/sample/cifar-10-sample/sample_data_batch.bin.gz';

export function bigGzipPath(gb: number): string {
  return join('data', 'bench', `cifar10-${gb}gb.bin.gz`);
}

/** Writes the file unless it is there with at least the size asked for; resolves its path. */
export async function makeBigGzip(gb: number, log: (line: string) => void): Promise<string> {
  const path = bigGzipPath(gb);
  const target = gb * 2 ** 30;
  if (existsSync(path) && statSync(path).size >= target) return path;
  mkdirSync(join('data', 'bench'), { recursive: true });
  const records = gunzipSync(readFileSync(SAMPLE));
  if (records.byteLength % RECORD !== 0) throw new Error(`${SAMPLE} is not whole CIFAR-10 records`);
  log(
    `Writing ${path} (${gb} GiB of gzip from ${records.byteLength / RECORD} real CIFAR-10 records, repeated)…`,
  );
  const gzip = createGzip({ level: 1 });
  const out = createWriteStream(path);
  gzip.pipe(out);
  let written = 0;
  gzip.on('data', (chunk: Buffer) => void (written += chunk.byteLength));
  while (written < target) {
    if (!gzip.write(records)) await new Promise((r) => gzip.once('drain', r));
  }
  gzip.end();
  await new Promise<void>((resolve, reject) => {
    out.on('finish', () => resolve());
    out.on('error', reject);
  });
  log(`Wrote ${path}: ${(statSync(path).size / 2 ** 20).toFixed(0)} MiB`);
  return path;
}

if (process.argv[1]?.endsWith('make-big-gzip.ts')) {
  const i = process.argv.indexOf('--gb');
  const gb = i >= 0 ? Number(process.argv[i + 1]) : 1;
  if (!(gb > 0)) {
    console.error('--gb needs a positive number');
    process.exit(2);
  }
  makeBigGzip(gb, console.log).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
