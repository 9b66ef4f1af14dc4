import { describe, expect, it } from 'vitest';
import {
  lostDataMessage,
  missingSinceMarker,
  writeMarker,
  type MarkerStorage,
} from './storedMarker';

function memoryStorage(): MarkerStorage {
  const map = new Map<string, string>();
  return { getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v) };
}

describe('the stored-data marker', () => {
  it('names what was stored and is gone, and nothing on a first open', () => {
    const storage = memoryStorage();
    expect(missingSinceMarker(storage, 'datasets', [])).toEqual([]);
    writeMarker(storage, 'datasets', ['CIFAR-10 sample', 'mine']);
    writeMarker(storage, 'runs', ['run-a', 'run-b']);
    expect(missingSinceMarker(storage, 'datasets', ['CIFAR-10 sample', 'mine'])).toEqual([]);
    expect(missingSinceMarker(storage, 'datasets', [])).toEqual(['CIFAR-10 sample', 'mine']);
    expect(missingSinceMarker(storage, 'runs', ['run-b'])).toEqual(['run-a']);
    storage.setItem('dmrnet-stored-runs', '{not json');
    expect(missingSinceMarker(storage, 'runs', [])).toEqual([]);
  });

  it('says what vanished in words', () => {
    expect(lostDataMessage([], 0)).toBeNull();
    expect(lostDataMessage(['mine'], 2)).toMatch(
      /^Data this site stored earlier is gone: the dataset “mine” and 2 training runs\. The browser removed it/,
    );
  });
});
