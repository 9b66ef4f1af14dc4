/**
 * `npm run -s bench:graph [-- --json]`: what opening the issue 19 share link (5 stages x 200
 * blocks alternating merge-and-run and inception-like, K = 8, B = 8, width 1) costs in the
 * model and drawing code the page runs on the main thread: decoding and checking the link
 * (inflate, schema, size caps), the counts, the path-length distribution and the drawing's
 * layout. The first run is the one a person waits for (cold code); the medians of warm runs
 * show the steady cost. Printed, never asserted. The page's own main-thread time (React,
 * recharts, style and layout included) is printed by e2e/hugeGraph.spec.ts.
 */
import { loadavg } from 'node:os';
import { analysisOf } from '../src/model/analysisCache';
import { DEFAULT_HYPERPARAMETERS } from '../src/model/hyperparameters';
import { fromPaper } from '../src/model/presets';
import { decodeShareHash, encodeShareHash } from '../src/state/urlState';
import { layoutNetwork } from '../src/ui/graph/graphLayout';
import { alternatingHugeSpec } from '../src/model/testing/hugeSpec';

interface Steps {
  decodeMs: number;
  countsMs: number;
  pathsMs: number;
  layoutMs: number;
  totalMs: number;
}

/** The page's work for one opened link, step by step. */
function openLink(hash: string): Steps {
  const t0 = performance.now();
  const decoded = decodeShareHash(hash);
  const t1 = performance.now();
  if (decoded.kind !== 'decoded' || !decoded.spec) throw new Error('the link did not decode');
  const spec = decoded.spec;
  const a = analysisOf(spec, decoded.hyper?.batchSize ?? 64);
  const t2 = performance.now();
  const mean = a.paths.withoutProjections.mean;
  const t3 = performance.now();
  layoutNetwork(spec, new Set());
  const t4 = performance.now();
  if (!Number.isFinite(mean)) throw new Error('the mean path length is not finite');
  return {
    decodeMs: t1 - t0,
    countsMs: t2 - t1,
    pathsMs: t3 - t2,
    layoutMs: t4 - t3,
    totalMs: t4 - t0,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function main(): void {
  const json = process.argv.includes('--json');
  const hash = encodeShareHash({ spec: alternatingHugeSpec(), hyper: DEFAULT_HYPERPARAMETERS });
  // A fresh string each time: the page decodes the link it is given, nothing is cached across.
  const first = openLink(`${hash}`);
  const warm: Steps[] = [];
  for (let i = 0; i < 15; i++) warm.push(openLink(`${hash}&n=${i}`));
  const medians = Object.fromEntries(
    (Object.keys(first) as (keyof Steps)[]).map((k) => [k, median(warm.map((w) => w[k]))]),
  ) as unknown as Steps;
  // A normal network: a DMRNet L = 12 edit analyses one new spec.
  const small: number[] = [];
  for (let i = 0; i < 30; i++) {
    const spec = { ...fromPaper({ arch: 'dmrnet', L: 12 }), name: `edit ${i}` };
    const t0 = performance.now();
    void analysisOf(spec).paths.withoutProjections.mean;
    small.push(performance.now() - t0);
  }
  const out = {
    node: process.version,
    loadAverage1m: Number((loadavg()[0] ?? 0).toFixed(1)),
    link: { chars: hash.length, blocks: 1000 },
    firstOpenMs: first,
    warmMedianMs: medians,
    dmrnetL12AnalysisMedianMs: median(small),
  };
  if (json) {
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  const f = (x: number) => `${x.toFixed(1)} ms`;
  process.stdout.write(
    `issue 19 link (${out.link.chars} characters, 1,000 blocks), load ${out.loadAverage1m}:\n` +
      `  first open: decode+check ${f(first.decodeMs)}, counts ${f(first.countsMs)}, ` +
      `paths ${f(first.pathsMs)}, layout ${f(first.layoutMs)}; total ${f(first.totalMs)}\n` +
      `  warm median: total ${f(medians.totalMs)}\n` +
      `DMRNet L=12 analysis (an edit): median ${f(out.dmrnetL12AnalysisMedianMs)}\n`,
  );
}

main();
