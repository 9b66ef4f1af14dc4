/**
 * Large MAT and Parquet inputs for the memory measurement of `npm run bench:data -- --mat-mb N`
 * and `-- --parquet-mb N` (issue #15): written to the ignored data/bench/, never committed.
 * The images are the shipped sample's real CIFAR-10 images, repeated:
 * - data/bench/svhn-<N>mb.mat: an SVHN-layout level-5 MAT-file, X uint8 [32, 32, 3, count]
 *   (column-major) and y double [count, 1] (labels 1-10), uncompressed, written as a stream;
 * - data/bench/cifar10-<N>mb.parquet: a Hugging Face style CIFAR-10 Parquet file, img
 *   {bytes: PNG, path} and label, in row groups of 1,000 rows.
 */
import { createWriteStream, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { encode as encodePng } from 'fast-png';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { writeFileSync } from 'node:fs';

const RECORD = 3073;
const IMAGE = 3072;
const SAMPLE = 'public/sample/cifar-10-sample/sample_data_batch.bin.gz';
const MB = 2 ** 20;

function sampleRecords(): Buffer {
  const records = gunzipSync(readFileSync(SAMPLE));
  if (records.byteLength % RECORD !== 0) throw new Error(`${SAMPLE} is not whole CIFAR-10 records`);
  return records;
}

function ready(path: string, bytes: number): boolean {
  mkdirSync(join('data', 'bench'), { recursive: true });
  return existsSync(path) && statSync(path).size >= bytes;
}

/** A MAT element tag: type and byte count. */
function tag(type: number, bytes: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeUInt32LE(type, 0);
  out.writeUInt32LE(bytes, 4);
  return out;
}

const pad8 = (n: number) => Math.ceil(n / 8) * 8;

/** A miMATRIX header (flags, dims, name) and the tag of its real part. */
function matrixHead(
  matlabClass: number,
  dims: number[],
  name: string,
  realType: number,
  realBytes: number,
): { head: Buffer; bodyBytes: number } {
  const flags = Buffer.concat([tag(6, 8), Buffer.from([matlabClass, 0, 0, 0, 0, 0, 0, 0])]);
  const dimBytes = Buffer.alloc(pad8(dims.length * 4));
  dims.forEach((d, i) => dimBytes.writeInt32LE(d, i * 4));
  const dimsEl = Buffer.concat([tag(5, dims.length * 4), dimBytes]);
  const nameBytes = Buffer.alloc(pad8(name.length));
  nameBytes.write(name, 'latin1');
  const nameEl = Buffer.concat([tag(1, name.length), nameBytes]);
  const sub = Buffer.concat([flags, dimsEl, nameEl, tag(realType, realBytes)]);
  const bodyBytes = sub.byteLength + pad8(realBytes);
  return { head: Buffer.concat([tag(14, bodyBytes), sub]), bodyBytes };
}

export function bigMatPath(mb: number): string {
  return join('data', 'bench', `svhn-${mb}mb.mat`);
}

/** Writes an uncompressed SVHN-layout MAT-file of about `mb` MiB; resolves its path. */
export async function makeBigMat(mb: number, log: (line: string) => void): Promise<string> {
  const path = bigMatPath(mb);
  const count = Math.floor((mb * MB) / IMAGE);
  if (ready(path, count * IMAGE)) return path;
  const records = sampleRecords();
  const n = records.byteLength / RECORD;
  // The sample's images in MAT's column-major order (each channel plane transposed).
  const block = Buffer.alloc(n * IMAGE);
  const labels = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = i * RECORD;
    labels[i] = records[r]! === 0 ? 10 : records[r]!;
    for (let c = 0; c < 3; c++) {
      for (let row = 0; row < 32; row++) {
        for (let col = 0; col < 32; col++) {
          block[i * IMAGE + c * 1024 + col * 32 + row] =
            records[r + 1 + c * 1024 + row * 32 + col]!;
        }
      }
    }
  }
  log(`Writing ${path} (${count.toLocaleString('en-US')} images, ${mb} MiB of MAT)…`);
  const out = createWriteStream(path);
  const write = (bytes: Buffer) =>
    out.write(bytes) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r()));
  const header = Buffer.alloc(128, 32);
  header.write('MATLAB 5.0 MAT-file, written by dmrnet make-big-inputs', 0, 'latin1');
  header.fill(0, 116, 124);
  header[124] = 0x00;
  header[125] = 0x01;
  header.write('IM', 126, 'latin1');
  await write(header);
  await write(matrixHead(9, [32, 32, 3, count], 'X', 2, count * IMAGE).head);
  for (let done = 0; done < count; done += n) {
    const take = Math.min(n, count - done);
    await write(block.subarray(0, take * IMAGE));
  }
  await write(Buffer.alloc(pad8(count * IMAGE) - count * IMAGE));
  await write(matrixHead(6, [count, 1], 'y', 9, count * 8).head);
  const y = new Float64Array(count);
  for (let i = 0; i < count; i++) y[i] = labels[i % n]!;
  await write(Buffer.from(y.buffer));
  out.end();
  await new Promise<void>((resolve, reject) => {
    out.on('finish', () => resolve());
    out.on('error', reject);
  });
  log(`Wrote ${path}: ${(statSync(path).size / MB).toFixed(0)} MiB`);
  return path;
}

export function bigParquetPath(mb: number): string {
  return join('data', 'bench', `cifar10-${mb}mb.parquet`);
}

/** Writes a Hugging Face style CIFAR-10 Parquet file of about `mb` MiB; resolves its path. */
export async function makeBigParquet(mb: number, log: (line: string) => void): Promise<string> {
  const path = bigParquetPath(mb);
  if (ready(path, mb * MB * 0.9)) return path;
  const records = sampleRecords();
  const n = records.byteLength / RECORD;
  const pngs: Uint8Array[] = [];
  const data = new Uint8Array(IMAGE);
  for (let i = 0; i < n; i++) {
    const r = i * RECORD + 1;
    for (let p = 0; p < 1024; p++) {
      for (let c = 0; c < 3; c++) data[p * 3 + c] = records[r + c * 1024 + p]!;
    }
    pngs.push(encodePng({ width: 32, height: 32, channels: 3, depth: 8, data }));
  }
  const perImage = pngs.reduce((s, p) => s + p.byteLength, 0) / n + 16;
  const count = Math.floor((mb * MB) / perImage);
  log(`Writing ${path} (${count.toLocaleString('en-US')} PNG rows, about ${mb} MiB)…`);
  const images = Array.from({ length: count }, (_, i) => ({
    bytes: pngs[i % n]!,
    path: `${i}.png`,
  }));
  const labels = Array.from({ length: count }, (_, i) => BigInt(records[(i % n) * RECORD]!));
  const optional = 'OPTIONAL' as const;
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'img', data: images },
      { name: 'label', data: labels },
    ],
    schema: [
      { name: 'root', num_children: 2 },
      { name: 'img', repetition_type: optional, num_children: 2 },
      { name: 'bytes', type: 'BYTE_ARRAY', repetition_type: optional },
      { name: 'path', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: optional },
      { name: 'label', type: 'INT64', repetition_type: optional },
    ],
    rowGroupSize: 1000,
  });
  writeFileSync(path, new Uint8Array(buffer));
  log(`Wrote ${path}: ${(statSync(path).size / MB).toFixed(0)} MiB`);
  return path;
}
