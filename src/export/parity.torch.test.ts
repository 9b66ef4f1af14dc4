/**
 * The exported model.py against the app, in a real PyTorch (Debian's python3-torch, installed
 * by scripts/ensure-torch.sh; in CI a missing PyTorch fails here instead of skipping):
 * for ResNet, DILNet and DMRNet (K = 2, 3) at small L, and the Table 5 networks without sharing,
 * model.py has the app's parameter count and weight names, and with the browser's weights
 * (tfjs CPU backend) and the same input its eval-mode logits agree within 1e-4. Also: a
 * corrupt weights file and an unsupported spec get clear messages on the Python side.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeNetwork } from '../model/analysis';
import { buildNetwork } from '../model/builder';
import { weightNames } from '../model/plan';
import { fromPaper, type PaperOptions } from '../model/presets';
import { exportPyTorchProject } from './project';
import { PYTHON, torchAvailable } from './testing/torchAvailable';
import { readNetworkWeights } from './weights';

const hasTorch = torchAvailable();

function python(
  args: string[],
  cwd: string,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(PYTHON, args, { cwd, env: { ...process.env, OMP_NUM_THREADS: '1' } });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

const NETWORKS: { label: string; options: PaperOptions }[] = [
  { label: 'ResNet L=6', options: { arch: 'resnet', L: 6 } },
  { label: 'DILNet L=6', options: { arch: 'dilnet', L: 6 } },
  { label: 'DMRNet K=2 L=6', options: { arch: 'dmrnet', L: 6, K: 2 } },
  { label: 'DMRNet K=3 L=6', options: { arch: 'dmrnet', L: 6, K: 3 } },
  { label: 'Identity w/o sharing L=6', options: { arch: 'identity', L: 6, sharing: 'none' } },
  { label: 'DMRNet w/o sharing L=6', options: { arch: 'dmrnet', L: 6, sharing: 'none' } },
];

/** Loads each exported project, its weights and input, and prints one JSON line per network. */
const HARNESS = String.raw`
import importlib.util, json, sys, torch
torch.set_num_threads(1)
for d in sys.argv[1:]:
    spec = importlib.util.spec_from_file_location("model_" + str(abs(hash(d))), d + "/model.py")
    m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
    net = m.build_model()
    m.load_weights(net, d + "/weights.safetensors")
    net.eval()
    meta = json.load(open(d + "/case.json"))
    x = torch.frombuffer(bytearray(open(d + "/input.bin", "rb").read()), dtype=torch.float32).reshape(meta["input"])
    want = torch.frombuffer(bytearray(open(d + "/expected.bin", "rb").read()), dtype=torch.float32).reshape(meta["logits"])
    with torch.no_grad():
        got = net(x)
    print(json.dumps({"dir": d, "params": m.count_parameters(net), "maxDiff": (got - want).abs().max().item(),
                      "scale": want.abs().max().item(),
                      "names": [[k, list(v.shape)] for k, v in net.state_dict().items()]}))
`;

function randomize(net: ReturnType<typeof buildNetwork>, seed: number): void {
  // Fresh BN layers are the identity in eval mode; give them real statistics so the test
  // checks that gamma, beta, running mean and variance all land in the right place.
  const all = [...net.trainable, ...net.nonTrainable];
  all.forEach(({ name, variable }, i) => {
    const s = seed * 1000 + i;
    const n = variable.shape;
    tf.tidy(() => {
      if (name.endsWith('.gamma') || name.endsWith('.runningVar')) {
        variable.assign(tf.randomUniform(n, 0.5, 1.5, 'float32', s));
      } else if (
        name.endsWith('.beta') ||
        name.endsWith('.runningMean') ||
        name.endsWith('.bias')
      ) {
        variable.assign(tf.randomNormal(n, 0, 0.2, 'float32', s));
      }
    });
  });
}

describe.skipIf(!hasTorch)('model.py against the app (PyTorch)', () => {
  let root = '';
  const cases: { label: string; dir: string; params: number; names: [string, number[]][] }[] = [];
  let results = new Map<
    string,
    { params: number; maxDiff: number; scale: number; names: [string, number[]][] }
  >();

  beforeAll(async () => {
    await tf.setBackend('cpu');
    root = mkdtempSync(join(tmpdir(), 'dmr-parity-'));
    NETWORKS.forEach(({ label, options }, n) => {
      const spec = fromPaper(options);
      const net = buildNetwork(spec, { seed: 7 + n });
      randomize(net, 11 + n);
      const dir = join(root, `net${n}`);
      mkdirSync(dir);
      for (const f of exportPyTorchProject(spec, { weights: readNetworkWeights(net) })) {
        writeFileSync(join(dir, f.path), f.contents);
      }
      const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 5 + n) as tf.Tensor4D;
      const logits = tf.tidy(() => net.apply(x, false).logits);
      const nchw = tf.transpose(x, [0, 3, 1, 2]);
      writeFileSync(
        join(dir, 'input.bin'),
        new Uint8Array((nchw.dataSync() as Float32Array).buffer),
      );
      writeFileSync(
        join(dir, 'expected.bin'),
        new Uint8Array((logits.dataSync() as Float32Array).buffer),
      );
      writeFileSync(
        join(dir, 'case.json'),
        JSON.stringify({ input: [2, 3, 32, 32], logits: logits.shape }),
      );
      tf.dispose([x, logits, nchw]);
      net.dispose();
      const names = weightNames(spec).map((w): [string, number[]] => {
        const s = w.shape;
        const torchShape =
          w.role === 'conv' ? [s[3], s[2], s[0], s[1]] : w.role === 'fcWeight' ? [s[1], s[0]] : s;
        return [w.name, torchShape as number[]];
      });
      cases.push({ label, dir, params: analyzeNetwork(spec).params, names });
    });
    const run = spawnSync(PYTHON, ['-c', HARNESS, ...cases.map((c) => c.dir)], {
      encoding: 'utf8',
    });
    if (run.status !== 0) throw new Error(`the parity harness failed:\n${run.stderr}`);
    results = new Map(
      run.stdout
        .trim()
        .split('\n')
        .map(
          (line) =>
            JSON.parse(line) as {
              dir: string;
              params: number;
              maxDiff: number;
              scale: number;
              names: [string, number[]][];
            },
        )
        .map((r) => [r.dir, r]),
    );
  }, 120_000);

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  for (const { label } of NETWORKS) {
    it(`${label}: same parameter count, same weight names, eval logits within 1e-4`, () => {
      const c = cases.find((x) => x.label === label);
      const r = c && results.get(c.dir);
      expect(r, 'no result from Python').toBeDefined();
      if (!c || !r) return;
      expect(r.params).toBe(c.params);
      expect(new Map(r.names)).toEqual(new Map(c.names));
      expect(r.scale).toBeGreaterThan(0.01); // the logits are not trivially zero
      expect(r.maxDiff).toBeLessThan(1e-4);
    });
  }

  it('says so when a weights file is corrupt, truncated or of another network, or a spec is wrong', async () => {
    const c = cases[2];
    const other = cases[0];
    if (!c || !other) throw new Error('no case');
    const header = new Uint8Array(16);
    new DataView(header.buffer).setBigUint64(0, 8n, true);
    header.set(new TextEncoder().encode('not json'), 8);
    const otherWeights = new Uint8Array(readFileSync(join(other.dir, 'weights.safetensors')));
    const badSpec = join(root, 'bad-spec.json');
    writeFileSync(badSpec, JSON.stringify({ version: 1, stages: [] }));
    const write = (name: string, bytes: Uint8Array): string => {
      const path = join(root, `${name}.safetensors`);
      writeFileSync(path, bytes);
      return path;
    };
    const cases_: [string[], RegExp][] = [
      [['--weights', write('short', new Uint8Array([1, 2, 3]))], /is corrupt: 3 bytes, too short/],
      [['--weights', write('header', header)], /is corrupt: its header is not JSON/],
      [['--weights', write('cut', otherWeights.subarray(0, 20000))], /is corrupt or truncated/],
      [['--weights', write('other', otherWeights)], /does not fit this network: \d+ missing/],
      [['--weights', join(root, 'nothing.safetensors')], /nothing\.safetensors does not exist/],
      [['--spec', badSpec], /the spec has no "input" field/],
    ];
    // model.py's command line (main), one Python process for all cases: importing torch is
    // the slow part on a 2-core CI machine.
    const harness = String.raw`
import contextlib, io, json, sys
sys.path.insert(0, ".")
import model
for args in json.loads(sys.argv[1]):
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = model.main(args)
    print(json.dumps({"code": code, "err": err.getvalue()}))
`;
    const r = await python(['-c', harness, JSON.stringify(cases_.map(([args]) => args))], c.dir);
    expect(r.code, r.err).toBe(0);
    const answers = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { code: number; err: string });
    expect(answers).toHaveLength(cases_.length);
    answers.forEach((a, i) => {
      const [args, message] = cases_[i] as [string[], RegExp];
      expect(a.code, args.join(' ')).toBe(2);
      expect(a.err, args.join(' ')).toMatch(/^error: /);
      expect(a.err, args.join(' ')).toMatch(message);
    });
  }, 120_000);
});
