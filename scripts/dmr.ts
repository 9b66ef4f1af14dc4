/**
 * `npm run dmr -- <params|paths|flops|spec|export> [flags]`: parameter counts, path-length
 * distributions, FLOPs and specs of the paper's networks from the shell. The logic lives in
 * src/model/cli.ts (tested there); this is the Node entry.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { runExportCli, writeProject } from '../src/export/cli';
import { runDmr } from '../src/model/cli';

const argv = process.argv.slice(2);
const io = { readFile: (p: string) => readFileSync(p, 'utf8') };
// `export --format pytorch --out DIR ...`: the PyTorch project (src/export/cli.ts).
const exported = argv[0] === 'export' ? runExportCli(argv.slice(1), io) : null;
if (exported?.out) {
  writeProject(exported.out, exported.files, {
    mkdir: (p) => mkdirSync(p, { recursive: true }),
    writeFile: (p, c) => writeFileSync(p, c),
    rename: (a, b) => renameSync(a, b),
  });
}
const result = exported ?? runDmr(argv, io);
process.stdout.write(result.stdout);
process.stderr.write(result.stderr);
process.exitCode = result.code;
