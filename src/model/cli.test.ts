import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runDmr } from './cli';
import { fromPaper } from './presets';

const files: Record<string, string> = {
  'good.json': JSON.stringify(fromPaper({ arch: 'resnet', L: 12 })),
  'bad.json': JSON.stringify({ ...fromPaper({ arch: 'resnet', L: 12 }), widen: 0 }),
  'broken.json': '{ "version": 1,',
};
const io = {
  readFile(path: string): string {
    const text = files[path];
    if (text === undefined) throw new Error(`ENOENT: no such file, open '${path}'`);
    return text;
  },
};
const dmr = (...argv: string[]) => runDmr(argv, io);

describe('dmr CLI', () => {
  it('params prints a table with the exact count', () => {
    const r = dmr('params', '--arch', 'dmrnet', '--L', '12');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^total\s+349402$/m);
    expect(r.stdout).toContain('349402 trainable parameters');
    expect(r.stdout).toContain('actual 14');
  });

  it('params --json prints one object with a params field', () => {
    const r = dmr('params', '--arch=dmrnet', '--L=30', '--widen', '4', '--json');
    const out = JSON.parse(r.stdout) as { params: number; actualDepth: number };
    expect(out.params).toBe(14_851_402);
    expect(out.actualDepth).toBe(32);
    const resnet = JSON.parse(
      dmr('params', '--arch', 'resnet', '--L', '54', '--K', '3', '--json').stdout,
    );
    expect(resnet.params).toBe(1_730_714); // K is ignored for ResNets
  });

  it('paths --json gives lengths, counts, probabilities, mean, std and the paper formula', () => {
    const out = JSON.parse(dmr('paths', '--arch', 'dmrnet', '--L', '12', '--json').stdout);
    expect(out.lengths).toEqual([2, 4, 6, 8, 10, 12, 14]);
    expect(out.counts).toEqual([64, 224, 320, 240, 100, 22, 2]);
    expect(out.probabilities.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 12);
    expect(out.mean).toBeCloseTo(6 + 1 / 3, 12);
    expect(out.paperMean).toBe(6);
    expect(out.explanation).toMatch(/fuses the streams/);
    const withProj = JSON.parse(
      dmr('paths', '--arch', 'resnet', '--L', '12', '--projections', '--json').stdout,
    );
    expect(withProj.projections).toBe(true);
    expect(withProj.mean).toBeCloseTo(12 + 2 + 1, 12);
    expect(dmr('paths', '--arch', 'identity', '--L', '48', '--sharing', 'none').stdout).toMatch(
      /mean 26\.0000/,
    );
  });

  it('flops and spec', () => {
    const f = JSON.parse(
      dmr('flops', '--arch', 'resnet', '--L', '12', '--batch', '32', '--json').stdout,
    );
    expect(f.multiplyAdds).toBeGreaterThan(0);
    expect(f.flops).toBe(2 * f.multiplyAdds);
    expect(f.batch).toBe(32);
    expect(dmr('flops', '--arch', 'resnet', '--L', '12').stdout).toMatch(/multiply-adds per image/);
    const spec = JSON.parse(dmr('spec', '--arch', 'dilnet', '--L', '12', '--K', '3').stdout);
    expect(spec).toEqual(fromPaper({ arch: 'dilnet', L: 12, K: 3 }));
    expect(JSON.parse(dmr('params', '--spec', 'good.json', '--json').stdout).params).toBe(369_690);
  });

  it('bad input: a message and a non-zero exit', () => {
    const cases: [string[], RegExp, number][] = [
      [['params', '--arch', 'dmrnet', '--L', '16'], /L must be a multiple of 6 for two-branch/, 1],
      [['params', '--arch', 'resnet', '--L', '13'], /multiple of 3/, 1],
      [['params', '--arch', 'vgg', '--L', '12'], /arch must be one of/, 1],
      [['params', '--arch', 'dmrnet', '--L', 'twelve'], /--L must be a whole number/, 1],
      [['params', '--arch', 'dmrnet', '--L', '12', '--sharing', 'some'], /--sharing must be/, 1],
      [['params', '--arch', 'dmrnet', '--L', '12', '--widen', '64'], /widen must be/, 1],
      [['params', '--arch', 'dmrnet', '--L', '96', '--widen', '16'], /parameters; at most/, 1],
      [['params', '--spec', 'bad.json'], /widen factor must be between 1 and 16/, 1],
      [['params', '--spec', 'broken.json'], /not valid JSON/, 1],
      [['params', '--spec', 'missing.json'], /cannot read missing.json/, 1],
      [['params', '--spec', 'good.json', '--L', '12'], /either --spec or --L/, 2],
      [['params'], /give --arch and --L/, 2],
      [['params', '--arch', 'dmrnet'], /give --L/, 2],
      [['count', '--arch', 'dmrnet'], /unknown command "count"/, 2],
      [['params', '--arch', 'dmrnet', '--L', '12', '--depth', '3'], /unknown flag --depth/, 2],
      [['params', '--arch'], /--arch needs a value/, 2],
      [['params', 'dmrnet'], /unexpected argument "dmrnet"/, 2],
      [['params', '--arch', 'dmrnet', '--L', '--json'], /--L needs a value \(write --L=VALUE/, 2],
      [['params', '--arch', 'dmrnet', '--L', '12', '--json=yes'], /--json takes no value/, 2],
      [['params', '--arch', 'dmrnet', '--L', '12', '--L', '18'], /--L is given twice/, 2],
    ];
    for (const [argv, message, code] of cases) {
      const r = dmr(...argv);
      expect(r.code, argv.join(' ')).toBe(code);
      expect(r.stderr, argv.join(' ')).toMatch(message);
      expect(r.stdout).toBe('');
    }
    expect(dmr('--help').code).toBe(0);
    expect(dmr('--help').stdout).toMatch(/usage: npm run dmr/);
  });

  it('the real command prints 349402 and exits non-zero on bad input', () => {
    const out = execFileSync(
      'npx',
      ['tsx', 'scripts/dmr.ts', 'params', '--arch', 'dmrnet', '--L', '12'],
      {
        encoding: 'utf8',
      },
    );
    expect(out).toContain('349402');
    const bad = spawnSync(
      'npx',
      ['tsx', 'scripts/dmr.ts', 'params', '--arch', 'dmrnet', '--L', '7'],
      {
        encoding: 'utf8',
      },
    );
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/multiple of 6/);
  });
});
