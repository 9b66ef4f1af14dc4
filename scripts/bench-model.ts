/**
 * `npm run bench:model`: how fast the model core is, printed as one JSON object (no timed
 * assertions anywhere). Targets: analysis of an L=96 network under 5 ms (it runs on every
 * slider move), building the tfjs model of L=54 under 1 s. The build runs on the tfjs CPU
 * backend in Node (variable creation and seeded initialisation happen in JS on every backend).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { analyzeNetwork } from '../src/model/analysis';
import { buildNetwork } from '../src/model/builder';
import { fromPaper } from '../src/model/presets';
import { validateSpec } from '../src/model/schema';

function timeMs(runs: number, f: () => void): { medianMs: number; minMs: number; runs: number } {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    f();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(runs / 2)] as number, minMs: times[0] as number, runs };
}

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
  const analysis: Record<string, unknown> = {};
  for (const arch of ['resnet', 'dilnet', 'dmrnet'] as const) {
    const spec = fromPaper({ arch, L: 96 });
    for (let i = 0; i < 20; i++) analyzeNetwork(spec); // warm-up (JIT)
    analysis[`${arch}L96`] = timeMs(200, () => analyzeNetwork(spec));
  }
  // What a slider move costs in the UI: preset, validation (which analyses), analysis.
  const sliderMove = timeMs(100, () => {
    const spec = fromPaper({ arch: 'dmrnet', L: 96, K: 4, widen: 2 });
    validateSpec(spec);
    analyzeNetwork(spec);
  });
  const builds: Record<string, unknown> = {};
  for (const [name, options] of [
    ['dmrnetL54', { arch: 'dmrnet', L: 54 }],
    ['resnetL54', { arch: 'resnet', L: 54 }],
    ['dmrnetWideL30', { arch: 'dmrnet', L: 30, widen: 4 }],
  ] as const) {
    const spec = fromPaper(options);
    buildNetwork(spec, { seed: 0 }).dispose(); // warm-up
    builds[name] = timeMs(5, () => buildNetwork(spec, { seed: 1 }).dispose());
  }
  // Kernels one training step dispatches (forward + backward), a proxy for WebGPU dispatches:
  // reshapes, identities and casts are free on every backend and not counted.
  const kernels: Record<string, unknown> = {};
  for (const [name, options] of [
    ['dmrnetL12', { arch: 'dmrnet', L: 12 }],
    ['resnetL12', { arch: 'resnet', L: 12 }],
  ] as const) {
    const spec = { ...fromPaper(options), input: { height: 8, width: 8, channels: 3 } };
    const net = buildNetwork(spec, { seed: 1 });
    const x = tf.randomNormal([2, 8, 8, 3]) as tf.Tensor4D;
    const y = tf.oneHot(tf.tensor1d([1, 2], 'int32'), 10);
    const prof = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(
        () => tf.losses.softmaxCrossEntropy(y, net.apply(x, true).logits) as tf.Scalar,
      );
      tf.dispose([value, ...Object.values(grads)]);
    });
    const compute = prof.kernels.filter(
      (k) => !['Identity', 'Reshape', 'Cast', 'forward'].includes(k.name),
    );
    const fullSize = compute.filter(
      (k) => k.inputShapes.some((s) => s.length === 4) || (k.outputShapes[0]?.length ?? 0) === 4,
    );
    kernels[name] = { compute: compute.length, fullSize: fullSize.length };
    tf.dispose([x, y]);
    net.dispose();
  }
  const out = {
    node: process.version,
    tfjsBackend: tf.getBackend(),
    analysisMs: analysis,
    sliderMoveMs: sliderMove,
    buildMs: builds,
    trainingStepKernels: kernels,
    targets: { analysisL96Ms: 5, buildL54Ms: 1000 },
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench-model: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
