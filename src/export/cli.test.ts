import { describe, expect, it } from 'vitest';
import { fromPaper } from '../model/presets';
import { EXPORT_USAGE, runExportCli, writeProject } from './cli';

const noFiles = {
  readFile: (p: string): string => {
    throw new Error(`ENOENT: no such file, open '${p}'`);
  },
};

describe('dmr export', () => {
  it('exports a paper network given by the usual network flags', () => {
    const r = runExportCli(
      ['--format', 'pytorch', '--out', 'x', '--arch', 'dmrnet', '--L', '12'],
      noFiles,
    );
    expect(r.code).toBe(0);
    expect(r.out).toBe('x');
    expect(r.files.map((f) => f.path)).toContain('model.py');
    expect(r.stdout).toContain('x/train.py');
    const spec = r.files.find((f) => f.path === 'spec.json')?.contents as string;
    expect(JSON.parse(spec)).toEqual(fromPaper({ arch: 'dmrnet', L: 12 }));
  });

  it('reads --spec files and honours --dataset', () => {
    const spec = fromPaper({ arch: 'resnet', L: 6, classes: 100 });
    const io = { readFile: () => JSON.stringify(spec) };
    const r = runExportCli(['--out=o', '--spec', 'n.json', '--dataset', 'cifar100'], io);
    expect(r.code).toBe(0);
    expect(r.files.find((f) => f.path === 'train.py')?.contents).toContain('default="cifar100"');
  });

  it('explains every mistake', () => {
    const msg = (argv: string[]) => runExportCli(argv, noFiles);
    expect(msg(['--arch', 'dmrnet', '--L', '12']).stderr).toMatch(/give --out DIR/);
    expect(msg(['--format', 'onnx', '--out', 'x']).stderr).toMatch(
      /--format onnx is not supported/,
    );
    expect(msg(['--out', 'x', '--dataset', 'mnist', '--arch', 'dmrnet', '--L', '12']).code).toBe(2);
    const bad = msg(['--out', 'x', '--arch', 'dmrnet', '--L', '7']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/multiple of 6/);
    expect(bad.files).toEqual([]);
    const unsupported = msg([
      '--out',
      'x',
      '--arch',
      'dmrnet',
      '--L',
      '12',
      '--dataset',
      'cifar100',
    ]);
    expect(unsupported.code).toBe(1);
    expect(unsupported.stderr).toMatch(/cifar100 has 100 classes but the network has 10/);
    expect(msg(['--out', 'x', '--spec', 'missing.json']).stderr).toMatch(
      /cannot read missing\.json/,
    );
  });

  it('names a malformed flag, with the export usage, exit code 2', () => {
    const cases: [string[], string][] = [
      [['--out', 'x', '--arch', 'dmrnet', '--L', '12', '--depth', '3'], 'unknown flag --depth'],
      [['--out', 'x', '--arch', 'dmrnet', '--L', '12', '--json'], 'unknown flag --json'],
      [['--arch', 'dmrnet', '--L', '12', '--out'], '--out needs a value'],
      [['--out=', '--arch', 'dmrnet', '--L', '12'], '--out needs a value'],
      [['--out', 'x', '--out', 'y', '--arch', 'dmrnet', '--L', '12'], '--out is given twice'],
      [['--out', 'x', 'dmrnet'], 'unexpected argument "dmrnet"'],
    ];
    for (const [argv, message] of cases) {
      const r = runExportCli(argv, noFiles);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr, argv.join(' ')).toBe(`error: ${message}\n\n${EXPORT_USAGE}\n`);
      expect(r.files).toEqual([]);
    }
  });

  it('writes every file through a temporary name', () => {
    const log: string[] = [];
    writeProject('d', [{ path: 'a.py', contents: 'x' }], {
      mkdir: (p) => log.push(`mkdir ${p}`),
      writeFile: (p) => log.push(`write ${p}`),
      rename: (a, b) => log.push(`rename ${a} ${b}`),
    });
    expect(log).toEqual(['mkdir d', 'write d/a.py.tmp', 'rename d/a.py.tmp d/a.py']);
  });
});
