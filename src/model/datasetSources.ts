/**
 * Where datasets come from, as import sources: the shipped sample, the full CIFAR-10 served
 * by the dev/preview server after `npm run data:cifar10`, and the Hugging Face Parquet exports.
 */
import type { DatasetKind, ImportRequest } from './dataset';

export const SAMPLE_DATASET_NAME = 'CIFAR-10 sample';
export const SAMPLE_FILES = ['sample_data_batch.bin.gz', 'sample_test_batch.bin.gz'] as const;

/** `base` is the app's base URL (import.meta.env.BASE_URL resolved against the page). */
export function sampleRequest(base: string): ImportRequest {
  return {
    name: SAMPLE_DATASET_NAME,
    kind: 'cifar10',
    sources: SAMPLE_FILES.map((file) => ({
      kind: 'url' as const,
      url: new URL(`sample/cifar-10-sample/${file}`, base).href,
    })),
  };
}

/** The folder `npm run data:cifar10` writes, served at the same path by vite.config.ts. */
export const LOCAL_CIFAR10_PATH = 'data/cifar-10-batches-bin/';
export const CIFAR10_BIN_FILES = [
  'data_batch_1.bin',
  'data_batch_2.bin',
  'data_batch_3.bin',
  'data_batch_4.bin',
  'data_batch_5.bin',
  'test_batch.bin',
] as const;

export function localCifar10Request(base: string, name = 'CIFAR-10'): ImportRequest {
  return {
    name,
    kind: 'cifar10',
    sources: CIFAR10_BIN_FILES.map((file) => ({
      kind: 'url' as const,
      url: new URL(`${LOCAL_CIFAR10_PATH}${file}`, base).href,
    })),
  };
}

const HF = 'https://huggingface.co/datasets';

/** Parquet exports on the Hugging Face hub (PNG bytes per row); the hub answers with CORS. */
export const HUGGING_FACE_DATASETS: Record<
  DatasetKind,
  { title: string; repo: string; files: { split: 'train' | 'test'; path: string }[] }
> = {
  cifar10: {
    title: 'CIFAR-10',
    repo: 'uoft-cs/cifar10',
    files: [
      { split: 'train', path: 'plain_text/train-00000-of-00001.parquet' },
      { split: 'test', path: 'plain_text/test-00000-of-00001.parquet' },
    ],
  },
  cifar100: {
    title: 'CIFAR-100',
    repo: 'uoft-cs/cifar100',
    files: [
      { split: 'train', path: 'cifar100/train-00000-of-00001.parquet' },
      { split: 'test', path: 'cifar100/test-00000-of-00001.parquet' },
    ],
  },
  svhn: {
    title: 'SVHN',
    repo: 'ufldl-stanford/svhn',
    files: [
      { split: 'train', path: 'cropped_digits/train-00000-of-00001.parquet' },
      { split: 'test', path: 'cropped_digits/test-00000-of-00001.parquet' },
    ],
  },
};

export function huggingFaceRequest(kind: DatasetKind, name?: string): ImportRequest {
  const dataset = HUGGING_FACE_DATASETS[kind];
  return {
    name: name ?? `${dataset.title} (Hugging Face)`,
    kind,
    sources: dataset.files.map((f) => ({
      kind: 'url' as const,
      url: `${HF}/${dataset.repo}/resolve/main/${f.path}`,
    })),
  };
}
