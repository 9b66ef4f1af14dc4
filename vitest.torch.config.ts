/**
 * The PyTorch integration tests (`*.torch.test.ts`: the exported model.py and train.py in a
 * real PyTorch), apart from `npm test` because they take minutes. `npm run check` runs them.
 * A config of its own, not merged with vite.config.ts: a merge would join the include and
 * exclude lists, and the default exclude leaves these tests out.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.torch.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
  },
});
