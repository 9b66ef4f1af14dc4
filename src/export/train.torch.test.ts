/**
 * The exported train.py in a real PyTorch (Debian's python3-torch; in CI a missing PyTorch
 * fails here instead of skipping): torchrun with 2 processes on the CPU (gloo) trains a few
 * steps on the shipped CIFAR-10 sample, the metrics it writes import into the playground, and
 * --resume carries on from its checkpoint. A missing data folder gets a clear message.
 */
import { createServer } from 'node:net';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cifar100Bin, svhnMat } from '../data/testing/formats';
import { tinyClassroom } from '../model/presets';
import { parseMetrics } from './metrics';
import { exportWithSample, runPython as run, trainPy } from './testing/exportedProject';
import { torchAvailable } from './testing/torchAvailable';

/** A TCP port nothing listens on now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const hasTorch = torchAvailable();

describe.skipIf(!hasTorch)('train.py (PyTorch, torchrun, CPU)', () => {
  let root = '';
  let project = '';
  let data = '';

  beforeAll(() => {
    ({ root, project, data } = exportWithSample('dmr-train-'));
  });

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('trains with torchrun on 2 CPU processes (gloo), writes metrics the playground imports, and resumes', async () => {
    const out = join(root, 'run');
    // --redirects/--tee: Debian's torch 1.13 torchrun fails on Python 3.11 with its defaults.
    const first = await run(
      [
        '-m',
        'torch.distributed.run',
        '--nproc_per_node',
        '2',
        // A free port, not torchrun's fixed 29500: another run on the machine must not collide.
        '--master_addr',
        '127.0.0.1',
        '--master_port',
        String(await freePort()),
        '--redirects',
        '1',
        '--tee',
        '1',
        ...trainPy(data, out, '--epochs', '2', '--max-steps', '4'),
      ],
      project,
    );
    expect(first.code, first.err).toBe(0);
    expect(first.out).toMatch(/2 process\(es\) on cpu, batch 64 \(32 each\)/);
    for (const f of ['metrics.csv', 'metrics.json', 'checkpoint.pt', 'weights.safetensors']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const csv = parseMetrics(readFileSync(join(out, 'metrics.csv'), 'utf8'), 'metrics.csv');
    const json = parseMetrics(readFileSync(join(out, 'metrics.json'), 'utf8'), 'metrics.json');
    expect(json.facts).toMatchObject({
      worldSize: 2,
      batchSize: 64,
      dataset: 'cifar10',
      params: 39346,
    });
    expect(json.name).toBe(tinyClassroom({ width: 8 }).name);
    expect(json.spec).toEqual(tinyClassroom({ width: 8 }));
    expect(csv.history).toEqual(json.history);
    const last = json.history.train.at(-1);
    expect(last?.step).toBe(4);
    expect(last?.epoch).toBeCloseTo(4 / 25, 4); // 1600 sample images / batch 64 = 25 steps an epoch
    expect(last?.loss).toBeGreaterThan(0);
    expect(Number.isFinite(last?.loss)).toBe(true);
    expect(json.history.test).toHaveLength(1);
    expect(json.history.test[0]?.error).toBeGreaterThanOrEqual(0);
    expect(json.history.test[0]?.error).toBeLessThanOrEqual(1);

    const second = await run(
      trainPy(data, out, '--epochs', '2', '--max-steps', '6', '--resume'),
      project,
    );
    expect(second.code, second.err).toBe(0);
    expect(second.out).toMatch(/resumed from .*checkpoint\.pt at epoch 0, step 4/);
    const resumed = parseMetrics(readFileSync(join(out, 'metrics.json'), 'utf8'), 'metrics.json');
    expect(resumed.history.train.map((p) => p.step)).toEqual([4, 6]);

    const evaluated = await run(
      trainPy(
        data,
        join(root, 'eval'),
        '--eval-only',
        '--weights',
        join(out, 'weights.safetensors'),
      ),
      project,
    );
    expect(evaluated.code, evaluated.err).toBe(0);
    expect(evaluated.out).toMatch(
      /test loss [\d.]+ error [\d.]+ \(400 images, .*weights\.safetensors\)/,
    );
  }, 480_000);

  it('says where to get the data when the data folder is missing', async () => {
    const missing = join(root, 'no-such-folder');
    const empty = join(root, 'empty');
    mkdirSync(empty);
    // train.py's main for both folders in one Python process (importing torch is the slow part).
    const harness = String.raw`
import contextlib, io, json, sys
sys.path.insert(0, ".")
import train
for folder in sys.argv[1:]:
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            train.main(["--cpu", "--data", folder, "--out", folder + "-out"])
        code = 0
    except SystemExit as e:
        code = e.code
    print(json.dumps({"code": code, "err": err.getvalue()}))
`;
    const r = await run(['-c', harness, missing, empty], project);
    expect(r.code, r.err).toBe(0);
    const [m, e] = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { code: number; err: string });
    expect(m?.code).toBe(2);
    expect(m?.err).toContain(`error: data folder ${missing} does not exist`);
    expect(m?.err).toContain('cifar-10-binary.tar.gz');
    expect(e?.code).toBe(2);
    expect(e?.err).toMatch(/no CIFAR-10 binary files in .*empty/);
  }, 120_000);

  it('data.py reads CIFAR-100 binary and SVHN .mat (plain and compressed) in the official layouts', async () => {
    const c100 = join(root, 'cifar-100-binary');
    const svhn = join(root, 'svhn');
    mkdirSync(c100);
    mkdirSync(svhn);
    writeFileSync(join(c100, 'train.bin'), cifar100Bin(30));
    writeFileSync(join(c100, 'test.bin'), cifar100Bin(12));
    writeFileSync(join(svhn, 'train_32x32.mat'), svhnMat(25, false));
    writeFileSync(join(svhn, 'test_32x32.mat'), svhnMat(13, true));
    // Fixture image i: first pixel (R, G, B) = (i & 255, i >> 8, label); labels i % 100 (fine)
    // and i % 10 (SVHN, stored as 10 for the digit 0).
    const harness = String.raw`
import json, sys
sys.path.insert(0, ".")
import data
out = {}
for name, folder in (("cifar100", sys.argv[1]), ("svhn", sys.argv[2])):
    (x, y), (tx, ty) = data.load_dataset(name, folder)
    out[name] = {"shape": list(x.shape), "test": list(tx.shape), "labels": y.tolist(), "testLabels": ty.tolist(),
                 "first": [[int(v) for v in x[i, :, 0, 0]] for i in range(len(y))]}
print(json.dumps(out))
`;
    const r = await run(['-c', harness, root, svhn], project);
    expect(r.code, r.err).toBe(0);
    const got = JSON.parse(r.out) as Record<
      string,
      { shape: number[]; test: number[]; labels: number[]; testLabels: number[]; first: number[][] }
    >;
    const range = (n: number, mod: number) => Array.from({ length: n }, (_, i) => i % mod);
    expect(got.cifar100?.shape).toEqual([30, 3, 32, 32]);
    expect(got.cifar100?.test).toEqual([12, 3, 32, 32]);
    expect(got.cifar100?.labels).toEqual(range(30, 100));
    expect(got.cifar100?.first).toEqual(range(30, 100).map((l, i) => [i, 0, l]));
    expect(got.svhn?.shape).toEqual([25, 3, 32, 32]);
    expect(got.svhn?.labels).toEqual(range(25, 10));
    expect(got.svhn?.testLabels).toEqual(range(13, 10));
    expect(got.svhn?.first).toEqual(range(25, 10).map((l, i) => [i, 0, l]));
  }, 120_000);
});
