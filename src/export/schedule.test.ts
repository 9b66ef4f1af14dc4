/**
 * The exported train.py and the playground drop the learning rate at the same steps (issue 17):
 * train.py's own schedule code (LR_DROPS, LR_FACTOR and lr_at_step, taken from TRAIN_PY with
 * Python's ast, so no PyTorch is needed) runs in /usr/bin/python3 for budgets of 1, 2, 3, 8 and
 * 400 epochs of CIFAR at batch 64, and every step's rate must equal src/model/schedule.ts's,
 * bit for bit.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PAPER_SCHEDULE, scheduledLr } from '../model/schedule';
import { TRAIN_PY } from './python/trainPy';

const PYTHON = process.env.TORCH_PYTHON ?? '/usr/bin/python3';
/** 50,000 CIFAR training images at batch 64; and an odd small count. */
const STEPS_PER_EPOCH = [781, 7];
const EPOCHS = [1, 2, 3, 8, 400];

const SCRIPT = String.raw`
import ast, json, sys
tree = ast.parse(sys.stdin.read())
keep = [n for n in tree.body
        if (isinstance(n, ast.Assign) and any(getattr(t, "id", "") in ("LR_DROPS", "LR_FACTOR") for t in n.targets))
        or (isinstance(n, ast.FunctionDef) and n.name == "lr_at_step")]
assert len(keep) == 3, "train.py must define LR_DROPS, LR_FACTOR and lr_at_step"
scope = {}
exec(compile(ast.Module(body=keep, type_ignores=[]), "train.py", "exec"), scope)
out = {}
for spe in ${JSON.stringify(STEPS_PER_EPOCH)}:
    for epochs in ${JSON.stringify(EPOCHS)}:
        total = spe * epochs
        out["%d/%d" % (spe, epochs)] = [scope["lr_at_step"](s, total, 0.1) for s in range(total)]
json.dump(out, sys.stdout)
`;

describe("train.py's learning-rate schedule", () => {
  it("gives the playground's rate at every step for 1, 2, 3, 8 and 400 epochs", () => {
    const r = spawnSync(PYTHON, ['-c', SCRIPT], {
      input: TRAIN_PY,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(r.status, r.stderr).toBe(0);
    const python = JSON.parse(r.stdout) as Record<string, number[]>;
    for (const spe of STEPS_PER_EPOCH) {
      for (const epochs of EPOCHS) {
        const total = spe * epochs;
        const rates = python[`${spe}/${epochs}`]!;
        expect(rates).toHaveLength(total);
        const mismatches: string[] = [];
        for (let step = 0; step < total; step++) {
          const browser = scheduledLr(PAPER_SCHEDULE, step, total);
          if (rates[step] !== browser && mismatches.length < 5) {
            mismatches.push(`step ${step}: python ${rates[step]}, browser ${browser}`);
          }
        }
        expect(mismatches, `${epochs} epochs of ${spe} steps`).toEqual([]);
        // Every budget of 8 steps or more reaches all three drops (7/8 of the steps is then
        // at most the last step): 0.1, 0.01, 0.001 and 0.0001 all occur.
        expect(new Set(rates).size, `${epochs} epochs of ${spe} steps`).toBe(total >= 8 ? 4 : 3);
        expect(rates[0]).toBe(0.1);
      }
    }
  });
});
