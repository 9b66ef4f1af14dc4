import { describe, expect, it } from 'vitest';
import {
  DATASET_NAME_MAX,
  baseDatasetName,
  datasetNameFor,
  shortenDatasetName,
} from './datasetName';

describe('dataset names', () => {
  it('come from the last path segment, without data extensions', () => {
    expect(baseDatasetName('cifar-10-binary.tar.gz')).toBe('cifar-10-binary');
    expect(baseDatasetName('https://example.org/a/b/test_batch.bin?x=1#y')).toBe('test_batch');
    expect(baseDatasetName('https://example.org/my%20data.parquet')).toBe('my data');
    expect(baseDatasetName('.bin')).toBe('dataset');
  });

  it('shorten a long file name to the limit, keeping its start and end', () => {
    const long = `${'a'.repeat(60)}-middle-${'z'.repeat(40)}_batch_5.bin`;
    const name = datasetNameFor(long, new Set());
    expect(Array.from(name)).toHaveLength(DATASET_NAME_MAX);
    expect(name.startsWith('a'.repeat(50))).toBe(true);
    expect(name.endsWith('z_batch_5')).toBe(true);
    expect(name).toContain('…');
  });

  it('stay unique, the suffix included in the limit', () => {
    const long = 'x'.repeat(200);
    const first = datasetNameFor(long, new Set());
    const second = datasetNameFor(long, new Set([first]));
    expect(second.endsWith(' (2)')).toBe(true);
    expect(Array.from(second)).toHaveLength(DATASET_NAME_MAX);
    expect(datasetNameFor('a.bin', new Set(['a', 'a (2)']))).toBe('a (3)');
  });

  it('leave short names alone', () => {
    expect(shortenDatasetName('  data_batch_1 ')).toBe('data_batch_1');
  });
});
