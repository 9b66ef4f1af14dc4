/**
 * Whether the PyTorch integration tests (`*.torch.test.ts`) can run here: the Python they run
 * (TORCH_PYTHON, else Debian's /usr/bin/python3 with python3-torch from
 * scripts/ensure-torch.sh) and whether it imports torch. Off CI a missing PyTorch skips those
 * tests; in CI it fails instead, so a broken install cannot pass as a green run.
 */
import { spawnSync } from 'node:child_process';
import { it } from 'vitest';

export const PYTHON = process.env.TORCH_PYTHON ?? '/usr/bin/python3';

/**
 * True when PYTHON imports torch. Call it at a test file's top level: without PyTorch in CI it
 * adds a failing test that says how to install it.
 */
export function torchAvailable(): boolean {
  const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
  if (!hasTorch && process.env.CI) {
    it('needs PyTorch in CI', () => {
      throw new Error(
        `${PYTHON} cannot import torch: run scripts/ensure-torch.sh (apt-get install python3-torch)`,
      );
    });
  }
  return hasTorch;
}
