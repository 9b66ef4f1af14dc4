/**
 * The naive baseline the fused step is measured against: the same network as a tfjs-layers
 * model (Conv2D, BatchNormalization, ReLU, Add/Average layers, Dense), trained with
 * `model.trainOnBatch` and tfjs's Nesterov momentum optimizer. Weight decay 1e-4 is an L2
 * regulariser of 5e-5 (its gradient is 1e-4 * w) on the kernels and BN gammas.
 */
import * as tf from '@tensorflow/tfjs';
import type { ConvBnPlan, NetworkPlan } from '../../src/model/plan';

type Sym = tf.SymbolicTensor;

export function layersModel(plan: NetworkPlan, weightDecay: number, lr: number): tf.LayersModel {
  const reg = weightDecay > 0 ? () => tf.regularizers.l2({ l2: weightDecay / 2 }) : () => undefined;
  const { input: size } = plan.spec;
  const input = tf.input({ shape: [size.height, size.width, size.channels] });
  const apply = (layer: tf.layers.Layer, x: Sym | Sym[]): Sym => layer.apply(x) as Sym;
  const layer = (x: Sym, l: ConvBnPlan, relu = l.relu): Sym => {
    let y = apply(
      tf.layers.conv2d({
        filters: l.outChannels,
        kernelSize: l.kernel,
        strides: l.stride,
        padding: 'same',
        useBias: false,
        kernelInitializer: 'heNormal',
        kernelRegularizer: reg(),
      }),
      x,
    );
    y = apply(
      tf.layers.batchNormalization({
        axis: -1,
        momentum: 0.9,
        epsilon: 2e-5,
        gammaRegularizer: reg(),
      }),
      y,
    );
    return relu ? apply(tf.layers.reLU(), y) : y;
  };
  const branch = (x: Sym, layers: ConvBnPlan[]): Sym => layers.reduce((h, l) => layer(h, l), x);
  const average = (xs: Sym[]): Sym => (xs.length === 1 ? xs[0]! : apply(tf.layers.average(), xs));
  const sumRelu = (xs: Sym[]): Sym => apply(tf.layers.reLU(), apply(tf.layers.add(), xs));
  const shortcut = (x: Sym, p: ConvBnPlan | undefined): Sym => (p ? layer(x, p) : x);

  let streams: Sym[] = plan.stems.map((s) => layer(input, s));
  for (const block of plan.blocks) {
    if (streams.length !== block.inputStreams) {
      const one = average(streams);
      streams = Array.from({ length: block.inputStreams }, () => one);
    }
    switch (block.kind) {
      case 'residual':
      case 'inception': {
        const x0 = streams[0]!;
        streams = [
          sumRelu([
            ...block.branches.map((b) => branch(x0, b)),
            shortcut(x0, block.projections[0]),
          ]),
        ];
        break;
      }
      case 'identity':
        streams = streams.map((s, k) =>
          sumRelu([branch(s, block.branches[k]!), shortcut(s, block.projections[k])]),
        );
        break;
      case 'mergeAndRun': {
        const m = average(streams.map((s, k) => shortcut(s, block.projections[k])));
        streams = block.fuse
          ? [sumRelu([m, ...streams.map((s, k) => branch(s, block.branches[k]!))])]
          : streams.map((s, k) => sumRelu([branch(s, block.branches[k]!), m]));
        break;
      }
    }
  }
  const head = (x: Sym): Sym =>
    apply(
      tf.layers.dense({ units: plan.spec.classes, kernelRegularizer: reg() }),
      apply(tf.layers.globalAveragePooling2d({}), x),
    );
  const logits =
    plan.classifiers.length === 1 ? head(average(streams)) : average(streams.map((s) => head(s)));
  const model = tf.model({ inputs: input, outputs: logits });
  model.compile({
    optimizer: tf.train.momentum(lr, 0.9, true),
    loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.losses.softmaxCrossEntropy(yTrue, yPred),
  });
  return model;
}
