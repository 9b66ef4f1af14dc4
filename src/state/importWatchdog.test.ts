import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ImportWatchdog, type StuckReason } from './importWatchdog';

describe('ImportWatchdog', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  const watch = () => {
    const stuck: StuckReason[] = [];
    const dog = new ImportWatchdog(30_000, 3_000, (reason) => stuck.push(reason));
    return { dog, stuck };
  };

  it('declares an import stuck after the stall time without progress, once', () => {
    const { stuck } = watch();
    vi.advanceTimersByTime(29_999);
    expect(stuck).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(stuck).toEqual(['stalled']);
    vi.advanceTimersByTime(100_000);
    expect(stuck).toEqual(['stalled']);
  });

  it('keeps a live import alive as long as progress comes', () => {
    const { dog, stuck } = watch();
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(20_000);
      dog.progress();
    }
    expect(stuck).toEqual([]);
  });

  it('ends an import that ignores Cancel after the grace period, progress or not', () => {
    const { dog, stuck } = watch();
    vi.advanceTimersByTime(10_000);
    dog.cancelRequested();
    vi.advanceTimersByTime(2_000);
    dog.progress(); // a worker still sending progress but not stopping
    vi.advanceTimersByTime(1_000);
    expect(stuck).toEqual(['cancel-ignored']);
  });

  it('says nothing once the import ended', () => {
    const { dog, stuck } = watch();
    dog.cancelRequested();
    dog.stop();
    vi.advanceTimersByTime(100_000);
    expect(stuck).toEqual([]);
  });
});
