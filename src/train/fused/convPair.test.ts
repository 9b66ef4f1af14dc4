import { describe, expect, it } from 'vitest';
import { convShape } from './conv';
import { pairedForwardCode } from './convPair';

describe('paired conv forward source', () => {
  const s = convShape([2, 8, 8, 4], [3, 3, 4, 8], 1, 1);

  it('binds two jobs of (x, f, y) and picks the job by workgroup row', () => {
    const code = pairedForwardCode(s, { wg: 64, tile: 4, pix: 2 });
    expect((code.match(/var<storage/g) ?? []).length).toBe(6);
    expect(code).toContain('if (gid.y == 0u)');
    for (const j of [0, 1]) {
      // Input channels as vec4 (4 divides ci), filter rows as vec4 (the tile is 4).
      expect(code).toContain(`var<storage, read> inX${j}: array<vec4<f32>>;`);
      expect(code).toContain(`inX${j}[xb1 + c]`);
      expect(code).toContain(`inF${j}[fr0 + 0u]`);
      expect(code).toContain(`outY${j}[yb + 11u] = a1_3;`);
    }
  });

  it('lays each job out as the tuned variant says', () => {
    const code = pairedForwardCode(s, { wg: 128, tile: 2, pix: 4 });
    expect(code).toContain('@workgroup_size(128)');
    expect(code).not.toContain('a0_2');
    expect(code).toContain('a3_1');
    // 2 images x 8 rows x 2 blocks of 4 pixels x 4 groups of 2 channels, per job.
    expect(code.match(/i < 128u/g)).toHaveLength(2);
  });
});
