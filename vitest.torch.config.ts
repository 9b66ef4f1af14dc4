/**
 * The PyTorch integration tests (`*.torch.test.ts`: the exported model.py and train.py in a
 * real PyTorch), apart from `npm test` because they take minutes. `npm run check` runs them.
 */
import { defineConfig, mergeConfig } from 'vitest/config';
import viteConfig from './vite.config';

export default mergeConfig(
  viteConfig,
  defineConfig({ test: { include: ['src/**/*.torch.test.ts'], exclude: ['**/node_modules/**'] } }),
);
