import { describe, expect, it } from 'vitest';
import { fromPaper } from '../model/presets';
import { MetricsImportError, parseMetrics } from './metrics';

const CSV = `epoch,step,lr,train_loss,train_error,test_loss,test_error,images_per_sec,elapsed_s
1.0,10,0.1,2.39,0.917,,,242.9,2.89
1.5,15,0.01,2.33,0.915,2.38,0.9,335.3,4.04
`;

describe('PyTorch metrics import', () => {
  it('reads train.py CSV into the run history (test points only where evaluated)', () => {
    const m = parseMetrics(CSV, 'runs/x/metrics.csv');
    expect(m.name).toBe('metrics');
    expect(m.spec).toBeNull();
    expect(m.history.train).toEqual([
      { step: 10, epoch: 1, loss: 2.39, error: 0.917, lr: 0.1, imagesPerSecond: 242.9 },
      { step: 15, epoch: 1.5, loss: 2.33, error: 0.915, lr: 0.01, imagesPerSecond: 335.3 },
    ]);
    expect(m.history.test).toEqual([{ step: 15, epoch: 1.5, loss: 2.38, error: 0.9 }]);
  });

  it('reads train.py JSON with its facts', () => {
    const doc = {
      format: 'dmrnet-playground-metrics',
      version: 1,
      network: 'DMRNet L=12',
      dataset: 'cifar10',
      params: 349402,
      world_size: 2,
      batch_size: 64,
      amp: false,
      device: 'cpu',
      epochs: 400,
      spec: fromPaper({ arch: 'dmrnet', L: 12 }),
      rows: [
        {
          epoch: 1,
          step: 781,
          lr: 0.1,
          train_loss: 1.5,
          train_error: 0.55,
          test_loss: 1.2,
          test_error: 0.43,
          images_per_sec: 5100,
          elapsed_s: 10,
        },
      ],
    };
    const m = parseMetrics(JSON.stringify(doc), 'metrics.json');
    expect(m.name).toBe('DMRNet L=12');
    expect(m.facts).toMatchObject({ params: 349402, worldSize: 2, dataset: 'cifar10', amp: false });
    // Files from before train.py's recipe flags say nothing about them.
    expect(m.facts).toMatchObject({ decay: null, padFill: null, bnBatch: null });
    const withRecipe = parseMetrics(
      JSON.stringify({ ...doc, recipe: { decay: 'all', pad_fill: 'mean', bn_batch: 32 } }),
    );
    expect(withRecipe.facts).toMatchObject({ decay: 'all', padFill: 'mean', bnBatch: 32 });
    expect(m.history.test).toEqual([{ step: 781, epoch: 1, loss: 1.2, error: 0.43 }]);
    expect(m.spec).toEqual(fromPaper({ arch: 'dmrnet', L: 12 }));
    expect(parseMetrics(JSON.stringify({ ...doc, spec: { version: 9 } })).spec).toBeNull();
  });

  it('accepts accuracy columns instead of errors', () => {
    const m = parseMetrics(
      'epoch,step,train_loss,train_acc,test_loss,test_acc\n1,5,2.0,0.25,1.9,0.5\n',
    );
    expect(m.history.train[0]?.error).toBe(0.75);
    expect(m.history.test[0]?.error).toBe(0.5);
  });

  it('says what is wrong with a file it cannot read', () => {
    expect(() => parseMetrics('', 'm.csv')).toThrow(/m\.csv is empty/);
    expect(() => parseMetrics('a,b\n1,2\n')).toThrow(/no "step" column/);
    expect(() => parseMetrics('epoch,step,train_loss,train_error\n1,x,2,0.5\n', 'm.csv')).toThrow(
      /m\.csv, line 2: step is "x", not a number/,
    );
    expect(() => parseMetrics('epoch,step,train_loss,train_error\n1,2,3\n')).toThrow(
      /3 fields, the header has 4/,
    );
    expect(() => parseMetrics('epoch,step,train_loss,train_error\n')).toThrow(/no metric rows/);
    expect(() => parseMetrics('{"rows": []}', 'x.json')).toThrow(/not a train\.py metrics file/);
    expect(() => parseMetrics('{nope', 'x.json')).toThrow(MetricsImportError);
    expect(() =>
      parseMetrics('{"format":"dmrnet-playground-metrics","version":2,"rows":[]}', 'x.json'),
    ).toThrow(/version 2/);
  });
});
