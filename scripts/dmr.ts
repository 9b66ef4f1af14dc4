/**
 * `npm run dmr -- <params|paths|flops|spec> [flags]`: parameter counts, path-length
 * distributions, FLOPs and specs of the paper's networks from the shell. The logic lives in
 * src/model/cli.ts (tested there); this is the Node entry.
 */
import { readFileSync } from 'node:fs';
import { runDmr } from '../src/model/cli';

const result = runDmr(process.argv.slice(2), { readFile: (p) => readFileSync(p, 'utf8') });
process.stdout.write(result.stdout);
process.stderr.write(result.stderr);
process.exitCode = result.code;
