/** The run the training specs start, as a share link the app opens with its test hooks. */
import { DEFAULT_HYPERPARAMETERS, type Hyperparameters } from '../src/model/hyperparameters';
import { tinyClassroom } from '../src/model/presets';
import { encodeShareHash } from '../src/state/urlState';

/**
 * The classroom DMRNet at width 4 (SwiftShader runs shaders on the CPU), one epoch of 40
 * training images in batches of 8, 16 test images, no test pass mid-epoch, seed 7; `hyper`
 * changes any of it.
 */
export function tinyRunUrl(hyper: Partial<Hyperparameters> = {}): string {
  const share = encodeShareHash({
    spec: tinyClassroom({ width: 4 }),
    hyper: {
      ...DEFAULT_HYPERPARAMETERS,
      batchSize: 8,
      epochs: 1,
      trainLimit: 40,
      testLimit: 16,
      evalEverySteps: 0,
      seed: 7,
      ...hyper,
    },
  });
  return `/?test-hooks${share}`;
}
