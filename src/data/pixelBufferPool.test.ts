import { describe, expect, it } from 'vitest';
import { PixelBufferPool } from './pixelBufferPool';

describe('PixelBufferPool', () => {
  it('hands a given buffer back for the next shard of the same size', () => {
    const pool = new PixelBufferPool(12);
    const first = pool.take(12);
    first.fill(7);
    pool.give(first.buffer);
    const second = pool.take(12);
    expect(second.buffer).toBe(first.buffer);
    expect(pool.take(12).buffer).not.toBe(first.buffer); // the pool is empty again
  });

  it('keeps only full-size buffers, at most `kept`, each once', () => {
    const pool = new PixelBufferPool(12, 2);
    const small = new ArrayBuffer(6);
    pool.give(small);
    expect(pool.take(12).buffer).not.toBe(small);
    const [a, b, c] = [new ArrayBuffer(12), new ArrayBuffer(12), new ArrayBuffer(12)];
    pool.give(a);
    pool.give(a);
    pool.give(b);
    pool.give(c);
    const taken = [pool.take(12).buffer, pool.take(12).buffer, pool.take(12).buffer];
    expect(taken[0]).toBe(b);
    expect(taken[1]).toBe(a);
    expect(taken[2] === a || taken[2] === b || taken[2] === c).toBe(false);
  });

  it('gives a new buffer for a size it does not keep', () => {
    const pool = new PixelBufferPool(12);
    pool.give(new ArrayBuffer(12));
    expect(pool.take(6).byteLength).toBe(6);
  });
});
