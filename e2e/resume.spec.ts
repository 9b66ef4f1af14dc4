import { expect, test } from '@playwright/test';
import type { ResumeReport } from '../tools/bench/resumeCheck';
import { benchReport, serveBenchPage } from './benchPage';

serveBenchPage();

// The trainer's WebGPU step, bit for bit: two straight runs of one seed (the start-up
// calibration between them) and a run checkpointed, unloaded and reloaded mid-way give the
// same loss at every step and the same final weights, momentum and running averages.
test('the fused step is deterministic and resumes from a checkpoint bit for bit', async ({
  page,
}) => {
  test.setTimeout(240_000);
  const report = await benchReport<ResumeReport>(page, 'resume');
  console.log(JSON.stringify(report));
  const [straight, ...others] = report.runs;
  expect(straight!.losses).toHaveLength(report.steps);
  expect(straight!.losses.every(Number.isFinite)).toBe(true);
  for (const d of report.differences) {
    expect(d, d.name).toEqual({ name: d.name, firstStep: null, tensors: [] });
  }
  for (const run of others) {
    run.losses.forEach((loss, i) =>
      expect(Object.is(loss, straight!.losses[i]), `${run.name} step ${i + 1}`).toBe(true),
    );
    expect(run.checksum, run.name).toBe(straight!.checksum);
  }
  expect(report.snapshotMatchesItsStep).toBe(true);
});
