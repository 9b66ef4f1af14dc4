import { describe, expect, it } from 'vitest';
import { convShape } from './conv';
import { pairedForwardCode } from './convPair';

describe('paired conv forward source', () => {
  const s = convShape([2, 8, 8, 4], [3, 3, 4, 8], 1, 1);

  it('binds two jobs of (x, f, y) and picks the job by workgroup row', () => {
    const code = pairedForwardCode(s, { wg: 64, tile: 4 });
    expect((code.match(/var<storage/g) ?? []).length).toBe(6);
    expect(code).toContain('if (gid.y == 0u)');
    for (const j of [0, 1]) {
      expect(code).toContain(`let xv = x${j}[xb + c];`);
      expect(code).toContain(`a3 = a3 + xv * f${j}[fr + 3u];`);
      expect(code).toContain(`y${j}[yb + 3u] = a3;`);
    }
  });

  it('lays each job out as the tuned variant says', () => {
    const code = pairedForwardCode(s, { wg: 128, tile: 2 });
    expect(code).toContain('@workgroup_size(128)');
    expect(code).not.toContain('a2');
    // 2 images x 8 x 8 pixels x 8 channels / 2 a tile, per job.
    expect(code.match(/i < 512u/g)).toHaveLength(2);
  });
});
