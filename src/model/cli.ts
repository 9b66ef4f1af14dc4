/**
 * The `dmr` command line (scripts/dmr.ts is its Node entry): it returns what to print and the
 * exit code, so it is tested without spawning a process. Flags are read by Node's parseArgs
 * (./cliFlags.ts); file reading is passed in.
 *
 *   npm run dmr -- <params|paths|flops|spec> [--arch resnet|dilnet|dmrnet|identity] [--L n]
 *     [--widen n] [--K n] [--classes n] [--sharing full|none] [--spec file.json]
 *     [--projections] [--batch n] [--json]
 */
import { analyzeNetwork, type PathDistribution } from './analysis';
import { CliUsageError, readFlags } from './cliFlags';
import { tryFromPaper, type PaperArch } from './presets';
import { validateSpec } from './schema';
import type { NetworkSpec } from './spec';

export interface CliIo {
  readFile(path: string): string;
}

export interface CliResult {
  stdout: string;
  stderr: string;
  code: number;
}

export const USAGE = `usage: npm run dmr -- <params|paths|flops|spec> [flags]

  --arch resnet|dilnet|dmrnet|identity   a paper network (Tables 2, 3, 5)
  --L n            Table 2's L (multiple of 3 for resnet, of 6 otherwise)
  --widen n        width multiplier (DMRNet-Wide: 4), default 1
  --K n            branches or streams (not for resnet), default 2
  --classes n      10 (CIFAR-10, SVHN) or 100 (CIFAR-100), default 10
  --sharing full|none   Table 5: share conv0 and the classifier (identity, dmrnet)
  --spec file.json a NetworkSpec file instead of --arch/--L/...
  --projections    paths: count 1x1 projections as layers
  --batch n        flops: batch size of the memory estimate, default 64
  --json           print one JSON object

examples: npm run dmr -- params --arch dmrnet --L 12
          npm run dmr -- paths --arch resnet --L 54 --json`;

const COMMANDS = ['params', 'paths', 'flops', 'spec'] as const;
type Command = (typeof COMMANDS)[number];

/** The flags that choose a network: a paper network's, or a spec file. */
export const NETWORK_OPTIONS = {
  arch: { type: 'string' },
  L: { type: 'string' },
  widen: { type: 'string' },
  K: { type: 'string' },
  classes: { type: 'string' },
  sharing: { type: 'string' },
  spec: { type: 'string' },
} as const;

const DMR_OPTIONS = {
  ...NETWORK_OPTIONS,
  batch: { type: 'string' },
  json: { type: 'boolean' },
  projections: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** A well-formed command with a wrong value or network: the message, exit code 1. */
class InputError extends Error {}

interface Parsed {
  command: Command;
  values: ReturnType<typeof readFlags<typeof DMR_OPTIONS>>;
}

function parse(argv: string[]): Parsed | 'help' {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    return 'help';
  }
  if (!(COMMANDS as readonly string[]).includes(command)) {
    throw new CliUsageError(`unknown command "${command}": use one of ${COMMANDS.join(', ')}`);
  }
  const values = readFlags(rest, DMR_OPTIONS);
  if (values.help) return 'help';
  return { command: command as Command, values };
}

function integer(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value))
    throw new InputError(`--${flag} must be a whole number (got "${value}")`);
  return Number(value);
}

function resolveSpec(p: Parsed, io: CliIo): NetworkSpec {
  const { values } = p;
  if (values.spec !== undefined) {
    const paperFlags = (['arch', 'L', 'widen', 'K', 'classes', 'sharing'] as const).filter(
      (k) => values[k] !== undefined,
    );
    if (paperFlags.length > 0) {
      throw new CliUsageError(`use either --spec or --${paperFlags.join('/--')}, not both`);
    }
    let text: string;
    try {
      text = io.readFile(values.spec);
    } catch (e) {
      throw new InputError(`cannot read ${values.spec}: ${(e as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new InputError(`${values.spec} is not valid JSON: ${(e as Error).message}`);
    }
    const v = validateSpec(json);
    if (!v.ok)
      throw new InputError(`${values.spec} is not a valid network:\n  ${v.errors.join('\n  ')}`);
    return v.spec;
  }
  if (values.arch === undefined)
    throw new CliUsageError('give --arch and --L, or --spec file.json');
  if (values.L === undefined) throw new CliUsageError('give --L (Table 2 L, e.g. --L 12)');
  if (values.sharing !== undefined && values.sharing !== 'full' && values.sharing !== 'none') {
    throw new InputError(`--sharing must be "full" or "none" (got "${values.sharing}")`);
  }
  const result = tryFromPaper({
    arch: values.arch as PaperArch,
    L: integer('L', values.L) as number,
    widen: integer('widen', values.widen),
    K: values.arch === 'resnet' ? undefined : integer('K', values.K),
    classes: integer('classes', values.classes),
    sharing: values.sharing as 'full' | 'none' | undefined,
  });
  if (!result.ok) throw new InputError(result.errors.join('\n'));
  const v = validateSpec(result.spec);
  if (!v.ok) throw new InputError(v.errors.join('\n'));
  return result.spec;
}

function table(rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map(String));
  const widths = cells[0]?.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length))) ?? [];
  return cells
    .map((r) =>
      r
        .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const millions = (n: number) => `${(n / 1e6).toFixed(2)}M`;
const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;

function pathsJson(d: PathDistribution) {
  return {
    lengths: d.lengths,
    counts: d.counts,
    probabilities: d.probabilities,
    total: d.total,
    mean: d.mean,
    std: d.std,
  };
}

function run(p: Parsed, io: CliIo): string {
  const spec = resolveSpec(p, io);
  const json = p.values.json === true;
  const batch = integer('batch', p.values.batch) ?? 64;
  if (batch < 1) throw new InputError('--batch must be at least 1');
  const a = analyzeNetwork(spec, { batch });
  const depth = {
    actualDepth: a.actualDepth,
    plainDepth: a.plainDepth,
    tableL: a.tableL,
    sectionL: a.sectionL,
    blocksPerStage: a.blocksPerStage,
  };
  switch (p.command) {
    case 'spec':
      return JSON.stringify(spec, null, json ? undefined : 2);
    case 'params': {
      if (json) {
        return JSON.stringify({
          name: spec.name,
          params: a.params,
          paramsByPart: a.paramsByPart,
          nonTrainable: a.nonTrainable,
          ...depth,
        });
      }
      const rows: (string | number)[][] = [
        ['part', 'parameters'],
        ['conv0', a.paramsByPart.stem],
      ];
      for (const s of a.paramsByPart.stages) {
        rows.push([`stage ${s.stage} branches`, s.branches]);
        if (s.projections > 0) rows.push([`stage ${s.stage} projections`, s.projections]);
      }
      rows.push(['classifier', a.paramsByPart.classifier], ['total', a.params]);
      return [
        spec.name,
        table(rows),
        `${a.params} trainable parameters (${millions(a.params)}); ${a.nonTrainable} BN running statistics`,
        `depth: actual ${a.actualDepth} (longest path), plain ${a.plainDepth} (2L+2); ` +
          `Table 2 L = ${a.tableL}, Section 3.2 L = ${a.sectionL}; blocks per stage ${a.blocksPerStage.join(', ')}`,
      ].join('\n');
    }
    case 'paths': {
      const projections = p.values.projections === true;
      const d = projections ? a.paths.withProjections : a.paths.withoutProjections;
      if (json) {
        return JSON.stringify({
          name: spec.name,
          projections,
          ...pathsJson(d),
          paperMean: a.paths.paperMean,
          paperFormula: a.paths.paperFormula,
          explanation: a.paths.explanation,
          ...depth,
        });
      }
      const rows: (string | number)[][] = [['length', 'paths', 'probability']];
      d.lengths.forEach((len, i) => {
        const c = d.counts[i] as number;
        rows.push([
          len,
          c < 1e15 ? c : c.toExponential(6),
          (d.probabilities[i] as number).toFixed(6),
        ]);
      });
      return [
        `${spec.name}: path lengths in conv layers (conv0 and FC included${projections ? ', projections counted' : ''})`,
        table(rows),
        `mean ${d.mean.toFixed(4)}, std ${d.std.toFixed(4)}, ${d.total < 1e15 ? d.total : d.total.toExponential(6)} paths`,
        `paper: ${a.paths.paperFormula}`,
        ...(a.paths.explanation ? [a.paths.explanation] : []),
      ].join('\n');
    }
    case 'flops': {
      if (json) {
        return JSON.stringify({
          name: spec.name,
          multiplyAdds: a.multiplyAdds,
          flops: 2 * a.multiplyAdds,
          batch,
          activationBytes: a.activationBytes,
          weightBytes: a.weightBytes,
          params: a.params,
        });
      }
      return [
        spec.name,
        table([
          ['quantity', 'value'],
          ['multiply-adds per image', a.multiplyAdds],
          ['FLOPs per image (2 x MACs)', 2 * a.multiplyAdds],
          [`activation memory, batch ${batch}`, mib(a.activationBytes)],
          ['weights + gradients + momentum', mib(a.weightBytes)],
        ]),
      ].join('\n');
    }
  }
}

export function runDmr(argv: string[], io: CliIo): CliResult {
  try {
    const p = parse(argv);
    if (p === 'help') return { stdout: `${USAGE}\n`, stderr: '', code: 0 };
    return { stdout: `${run(p, io)}\n`, stderr: '', code: 0 };
  } catch (e) {
    if (e instanceof CliUsageError) {
      return { stdout: '', stderr: `dmr: ${e.message}\n\n${USAGE}\n`, code: 2 };
    }
    if (e instanceof InputError) return { stdout: '', stderr: `dmr: ${e.message}\n`, code: 1 };
    return { stdout: '', stderr: `dmr: ${(e as Error).message}\n`, code: 1 };
  }
}
