/**
 * `npm run dmr -- export --format pytorch --out DIR [network flags | --spec file.json]
 * [--dataset cifar10|cifar100|svhn]`: writes the PyTorch project of a network. The network
 * flags are the other dmr commands' (parsed by src/model/cli.ts's `spec` command, so they
 * mean the same and fail with the same messages). Pure: file access is passed in.
 */
import { runDmr, type CliIo, type CliResult } from '../model/cli';
import { ExportError, exportPyTorchProject, type ExportFile } from './project';
import type { ExportDataset } from './readme';

export const EXPORT_USAGE = `usage: npm run dmr -- export --format pytorch --out DIR [network flags] [--dataset NAME]

  --format pytorch   the only format: model.py, train.py (torchrun/DDP), data.py, README.md
  --out DIR          the folder to write (created; files in it are replaced)
  --dataset cifar10|cifar100|svhn   train.py's default dataset (default: by the class count)
  network flags      --arch/--L/--widen/--K/--classes/--sharing or --spec file.json,
                     as for npm run dmr -- params

example: npm run dmr -- export --format pytorch --out dmrnet-l12 --arch dmrnet --L 12`;

const DATASETS: readonly ExportDataset[] = ['cifar10', 'cifar100', 'svhn'];

export interface ExportCliResult extends CliResult {
  /** The folder to write and its files (empty when the command failed). */
  out: string | null;
  files: ExportFile[];
}

function fail(message: string, code: number, usage = false): ExportCliResult {
  return {
    stdout: '',
    stderr: `error: ${message}\n${usage ? `\n${EXPORT_USAGE}\n` : ''}`,
    code,
    out: null,
    files: [],
  };
}

/** Takes `export`'s own flags out of argv; the rest are network flags. */
function splitFlags(argv: string[]): { own: Map<string, string>; rest: string[] } | string {
  const own = new Map<string, string>();
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const key = arg.slice(2, eq >= 0 ? eq : undefined);
    if (arg.startsWith('--') && ['format', 'out', 'dataset'].includes(key)) {
      const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === '') return `--${key} needs a value`;
      if (own.has(key)) return `--${key} is given twice`;
      own.set(key, value);
    } else rest.push(arg);
  }
  return { own, rest };
}

export function runExportCli(argv: string[], io: CliIo): ExportCliResult {
  if (argv.includes('--help') || argv.includes('-h')) {
    return { stdout: `${EXPORT_USAGE}\n`, stderr: '', code: 0, out: null, files: [] };
  }
  const split = splitFlags(argv);
  if (typeof split === 'string') return fail(split, 2, true);
  const format = split.own.get('format') ?? 'pytorch';
  if (format !== 'pytorch')
    return fail(`--format ${format} is not supported: use pytorch`, 2, true);
  const out = split.own.get('out');
  if (out === undefined) return fail('give --out DIR, the folder to write the project to', 2, true);
  const dataset = split.own.get('dataset');
  if (dataset !== undefined && !(DATASETS as readonly string[]).includes(dataset)) {
    return fail(`--dataset must be one of ${DATASETS.join(', ')} (got "${dataset}")`, 2, true);
  }
  const spec = runDmr(['spec', ...split.rest, '--json'], io);
  if (spec.code !== 0) return { ...spec, out: null, files: [] };
  try {
    const files = exportPyTorchProject(JSON.parse(spec.stdout), {
      dataset: dataset as ExportDataset | undefined,
    });
    const list = files.map((f) => `  ${out}/${f.path}`).join('\n');
    return {
      stdout: `PyTorch project written to ${out}:\n${list}\nNext: see ${out}/README.md (python3 ${out}/model.py prints the parameter count)\n`,
      stderr: '',
      code: 0,
      out,
      files,
    };
  } catch (e) {
    if (e instanceof ExportError) return fail(e.message, 1);
    throw e;
  }
}

export interface ProjectWriter {
  mkdir(path: string): void;
  writeFile(path: string, contents: string | Uint8Array): void;
  rename(from: string, to: string): void;
}

/** Writes each file through a temporary name and a rename, so none is ever half-written. */
export function writeProject(out: string, files: readonly ExportFile[], fs: ProjectWriter): void {
  fs.mkdir(out);
  for (const f of files) {
    const path = `${out}/${f.path}`;
    fs.writeFile(`${path}.tmp`, f.contents);
    fs.rename(`${path}.tmp`, path);
  }
}
