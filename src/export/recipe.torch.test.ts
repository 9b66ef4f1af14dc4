/**
 * Issue 17's recipe options in the exported project, in a real PyTorch (Debian's python3-torch):
 * train.py's optimizer decays a zero-gradient bias and BN beta under the authors' rule and
 * leaves them under MXNet's; model.py's ghost batch norm equals plain BN on each group; data.py
 * pads with the channel means when asked; and train.py runs with the new flags, refusing a BN
 * batch that does not split the batch.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMetrics } from './metrics';
import { exportWithSample, runPython, trainPy } from './testing/exportedProject';
import { torchAvailable } from './testing/torchAvailable';

const hasTorch = torchAvailable();
const python = (args: string[], cwd: string) => runPython(args, cwd, 240_000);

describe.skipIf(!hasTorch)('recipe options of the exported project (PyTorch, CPU)', () => {
  let root = '';
  let project = '';
  let data = '';

  beforeAll(() => {
    ({ root, project, data } = exportWithSample('dmr-recipe-'));
  });

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('optimizer, ghost BN and padding fill, each against its definition', async () => {
    const harness = String.raw`
import argparse, copy, json, sys
sys.path.insert(0, ".")
import torch
import data, model as net, train
torch.manual_seed(0)
base = net.build_model()
zero = lambda n: n.endswith((".bias", ".beta"))
with torch.no_grad():
    for n, p in base.named_parameters():
        if zero(n):
            p.uniform_(-1, 1)  # BN beta and the FC bias start at 0, where decay cannot show
out = {"decay": {}}
lr, wd, mu = 0.1, 0.01, 0.9
for rule in ("all", "weights-gamma"):
    m = copy.deepcopy(base)
    opt = train.make_optimizer(m, argparse.Namespace(decay=rule, lr=lr, momentum=mu, weight_decay=wd))
    before = {n: p.detach().clone() for n, p in m.named_parameters()}
    for n, p in m.named_parameters():
        p.grad = torch.zeros_like(p) if zero(n) else torch.randn_like(p)
    opt.step()
    shrink = 1 - lr * wd * (1 + mu) if rule == "all" else 1.0
    names = [n for n, _ in m.named_parameters() if zero(n)]
    out["decay"][rule] = {
        "names": names,
        "maxBefore": max(before[n].abs().max().item() for n in names),
        "maxError": max((p.detach() - before[n] * shrink).abs().max().item()
                        for n, p in m.named_parameters() if zero(n)),
    }
# Ghost BN over groups of 4 of a batch of 8 = plain BN on each half (outputs, running averages).
x = torch.randn(8, 3, 32, 32)
ghost, halves = copy.deepcopy(base), [copy.deepcopy(base), copy.deepcopy(base)]
net.set_bn_batch(ghost, 4)
for m in [ghost] + halves:
    m.train()
y = ghost(x)
ref = torch.cat([halves[0](x[:4]), halves[1](x[4:])])
plain = copy.deepcopy(base).train()(x)
gs, hs = ghost.state_dict(), [h.state_dict() for h in halves]
running = [k for k in gs if k.endswith(("runningMean", "runningVar"))]
out["ghost"] = {
    "outputError": (y - ref).abs().max().item(),
    "plainDifference": (y - plain).abs().max().item(),
    "runningError": max((gs[k] - (hs[0][k] + hs[1][k]) / 2).abs().max().item() for k in running),
    "runningCount": len(running),
}
try:
    ghost(x[:6])
    out["ghost"]["unevenRefused"] = False
except ValueError:
    out["ghost"]["unevenRefused"] = True
# Padding fill: every crop of a constant 200 image shows the fill where it reaches the padding.
batch = torch.full((16, 3, 32, 32), 200, dtype=torch.uint8)
fill = data.pad_fill("mean", [0.4914, 0.4822, 0.4465])
a = data.augment(batch, torch.Generator().manual_seed(1), fill)
z = data.augment(batch, torch.Generator().manual_seed(1))
out["fill"] = {
    "fill": fill, "zero": data.pad_fill("zero", [0.4914, 0.4822, 0.4465]),
    "valuesMean": sorted(set(a[:, 0].flatten().tolist())), "valuesZero": sorted(set(z[:, 0].flatten().tolist())),
    "samePlaces": bool(((a == 200) == (z == 200)).all()),
}
print(json.dumps(out))
`;
    const r = await python(['-c', harness], project);
    expect(r.code, r.err).toBe(0);
    const got = JSON.parse(r.out) as {
      decay: Record<string, { names: string[]; maxBefore: number; maxError: number }>;
      ghost: Record<string, number | boolean>;
      fill: Record<string, unknown>;
    };
    for (const rule of ['all', 'weights-gamma']) {
      const d = got.decay[rule]!;
      expect(d.names.some((n) => n.endsWith('.beta'))).toBe(true);
      expect(d.names.some((n) => n.endsWith('.bias'))).toBe(true);
      expect(d.maxBefore).toBeGreaterThan(0.5);
      // all: w (1 - lr wd (1 + mu)) = 0.9981 w; weights-gamma: unchanged (a miss is ~1e-3).
      expect(d.maxError, rule).toBeLessThan(1e-6);
    }
    expect(got.ghost.outputError).toBeLessThan(1e-4);
    expect(got.ghost.plainDifference).toBeGreaterThan(1e-2);
    expect(got.ghost.runningError).toBeLessThan(1e-5);
    expect(got.ghost.runningCount).toBeGreaterThan(10);
    expect(got.ghost.unevenRefused).toBe(true);
    expect(got.fill.fill).toEqual([125, 123, 114]);
    expect(got.fill.zero).toEqual([0, 0, 0]);
    expect(got.fill.valuesMean).toEqual([125, 200]);
    expect(got.fill.valuesZero).toEqual([0, 200]);
    expect(got.fill.samePlaces).toBe(true);
  }, 240_000);

  it('train.py trains with --decay, --pad-fill and --bn-batch, resumes with its decay rule, and refuses a BN batch that does not split', async () => {
    const out = join(root, 'run');
    const r = await python(
      [
        ...trainPy(data, out, '--epochs', '1', '--max-steps', '2'),
        '--decay',
        'weights-gamma',
        '--pad-fill',
        'mean',
        '--bn-batch',
        '32',
      ],
      project,
    );
    expect(r.code, r.err).toBe(0);
    const metrics = readFileSync(join(out, 'metrics.json'), 'utf8');
    expect(JSON.parse(metrics)).toMatchObject({
      recipe: { decay: 'weights-gamma', pad_fill: 'mean', bn_batch: 32 },
    });
    const parsed = parseMetrics(metrics, 'metrics.json');
    expect(parsed.history.train.at(-1)?.step).toBe(2);
    expect(Number.isFinite(parsed.history.train.at(-1)?.loss)).toBe(true);

    // Resumed without --decay, the run keeps the rule it trained with (and its optimizer state).
    const resumed = await python(
      trainPy(data, out, '--epochs', '1', '--max-steps', '3', '--resume'),
      project,
    );
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.out).toMatch(/trained with --decay weights-gamma; resuming with it/);
    expect(JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'))).toMatchObject({
      recipe: { decay: 'weights-gamma' },
    });

    const bad = await python(trainPy(data, join(root, 'bad'), '--bn-batch', '24'), project);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--bn-batch 24 must divide each process's batch of 64");
  }, 240_000);
});
