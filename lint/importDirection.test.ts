/**
 * The import direction is enforced: ESLint with the project's own config (eslint.config.js)
 * on probe files that import against it. The probes are linted as text; nothing is written.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const RULE = 'architecture/import-direction';
const eslint = new ESLint();

async function directionErrors(code: string, filePath: string) {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === RULE);
}

describe('the import direction (lint)', () => {
  it('fails a model/ file that imports from ui/, naming the file', async () => {
    const errors = await directionErrors(
      "import { useAnalysis } from '../ui/network/useAnalysis';\nexport const a = useAnalysis;\n",
      'src/model/probe.ts',
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]!.severity).toBe(2);
    expect(errors[0]!.message).toContain('src/model/probe.ts');
    expect(errors[0]!.message).toContain('../ui/network/useAnalysis');
  });

  it('catches dynamic imports, type imports, import types and re-exports', async () => {
    const code = [
      "export const later = () => import('../state/store');",
      "import type { WorkerClient } from '../protocol/training';",
      "export type Report = import('../train/runner').Runner;",
      "export { useAppStore } from '../state/store';",
      'export type { WorkerClient };',
    ].join('\n');
    const errors = await directionErrors(code, 'src/model/probe.ts');
    expect(errors.map((e) => e.line)).toEqual([1, 2, 3, 4]);
  });

  it('lets each folder import the folders below it and no others', async () => {
    const allowed = await directionErrors(
      "import type { RunConfig } from '../model/run';\nimport { TRAINING_PROTOCOL } from '../protocol/training';\nexport type A = [RunConfig, typeof TRAINING_PROTOCOL];\n",
      'src/state/probe.ts',
    );
    expect(allowed).toEqual([]);
    const upward = await directionErrors(
      "import { App } from '../app/App';\nexport const a = App;\n",
      'src/ui/probe.ts',
    );
    expect(upward).toHaveLength(1);
    const storageFromUi = await directionErrors(
      "import { openRunsDb } from '../../storage/checkpoint';\nexport const o = openRunsDb;\n",
      'src/ui/runs/probe.ts',
    );
    expect(storageFromUi[0]?.message).toContain('ui/ may import state/, model/');
  });

  it("lets a test use another folder's test-only helpers, and only a test", async () => {
    const code = "import { svhnMat } from '../data/testing/formats';\nexport const s = svhnMat;\n";
    expect(await directionErrors(code, 'src/export/probe.test.ts')).toEqual([]);
    expect(await directionErrors(code, 'src/export/probe.ts')).toHaveLength(1);
  });
});
