/**
 * What the PyTorch export tests (`*.torch.test.ts`) set up and run: the exported project of a
 * tiny network beside the shipped CIFAR-10 sample, and PYTHON run with a deadline.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'fflate';
import { tinyClassroom } from '../../model/presets';
import { exportPyTorchProject } from '../project';
import { PYTHON } from './torchAvailable';

const SAMPLE = join('public', 'sample', 'cifar-10-sample');

/** The folders `exportWithSample` made: `root` holds `project` and `data`. */
export interface ExportedProject {
  root: string;
  project: string;
  data: string;
}

/**
 * A new temporary folder (named from `prefix`) with the exported project of the classroom
 * network at width 8 in project/, and the shipped sample (real CIFAR-10 images) in the official
 * binary layout in cifar-10-batches-bin/.
 */
export function exportWithSample(prefix: string): ExportedProject {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const project = join(root, 'project');
  const data = join(root, 'cifar-10-batches-bin');
  mkdirSync(project);
  mkdirSync(data);
  for (const f of exportPyTorchProject(tinyClassroom({ width: 8 }))) {
    writeFileSync(join(project, f.path), f.contents);
  }
  const train = gunzipSync(readFileSync(join(SAMPLE, 'sample_data_batch.bin.gz')));
  const test = gunzipSync(readFileSync(join(SAMPLE, 'sample_test_batch.bin.gz')));
  writeFileSync(join(data, 'data_batch_1.bin'), train);
  writeFileSync(join(data, 'test_batch.bin'), test);
  return { root, project, data };
}

/** `train.py --cpu --data <data> --out <out>`, then `flags`. */
export function trainPy(data: string, out: string, ...flags: string[]): string[] {
  return ['train.py', '--cpu', '--data', data, '--out', out, ...flags];
}

export interface PythonResult {
  code: number | null;
  out: string;
  /** stderr, then stdout after a `--- stdout ---` line: a failed expectation shows both. */
  err: string;
}

/**
 * Runs PYTHON with args in `cwd`; past `deadlineMs` the process group is killed and the result
 * says so, with what it printed, so a hang fails with the output that shows where (not a bare
 * timeout).
 */
export function runPython(
  args: string[],
  cwd: string,
  deadlineMs = 150_000,
): Promise<PythonResult> {
  return new Promise((resolve) => {
    const p = spawn(PYTHON, args, {
      cwd,
      detached: true,
      env: {
        ...process.env,
        OMP_NUM_THREADS: '1',
        // One machine: gloo on loopback. Left alone it binds the address the hostname resolves
        // to, which on a sandboxed CI machine may accept no connections (the peers then wait
        // for the 30-minute default timeout).
        GLOO_SOCKET_IFNAME: 'lo',
        // torchrun's own progress (rendezvous, worker start), so a hang shows its stage.
        LOGLEVEL: 'INFO',
        // Tracebacks of every thread on a fatal signal: the deadline's SIGABRT shows a hang.
        PYTHONFAULTHANDLER: '1',
      },
    });
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        if (p.pid) process.kill(-p.pid, signal); // torchrun's workers too
      } catch {
        p.kill(signal);
      }
    };
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      err += `\n[test] killed after ${deadlineMs / 1000} s: python ${args.join(' ')}\n`;
      // SIGABRT first: with PYTHONFAULTHANDLER every python in the group (torchrun and its
      // workers) prints where each of its threads stands, then SIGKILL for what is left.
      signalGroup('SIGABRT');
      setTimeout(() => signalGroup('SIGKILL'), 3_000).unref();
    }, deadlineMs);
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err: `${err}\n--- stdout ---\n${out}` });
    });
  });
}
