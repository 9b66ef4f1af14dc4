/**
 * `npm run bench [-- --json] [-- --steps N --warmup N --tiny-batch N --l12-batch N --tiny-only --no-l54 --no-tune --profile --port N --no-build]`
 *
 * Builds the tools (tools/vite.config.ts, into dist-tools/), serves them with `vite preview`, opens bench.html?mode=bench in headless
 * Chromium (WebGPU via --enable-unsafe-webgpu; on machines without a GPU that is SwiftShader)
 * and prints the fused step's numbers against the tfjs-layers baseline measured in the same
 * run. With --json, only the JSON object goes to stdout.
 */
import { benchPageResult, inBrowser, TOOLS_DIST } from './appInBrowser';
import { isPositiveInteger, numberOption, scriptOptions } from './cliArgs';

const SCRIPT = 'scripts/bench-step.ts';
const values = scriptOptions(
  {
    json: { type: 'boolean' },
    'no-build': { type: 'boolean' },
    'tiny-only': { type: 'boolean' },
    'no-l54': { type: 'boolean' },
    'no-tune': { type: 'boolean' },
    profile: { type: 'boolean' },
    steps: { type: 'string' },
    warmup: { type: 'string' },
    'tiny-batch': { type: 'string' },
    'l12-batch': { type: 'string' },
    port: { type: 'string' },
  },
  SCRIPT,
);
const flag = (name: 'json' | 'no-build' | 'tiny-only' | 'no-l54' | 'no-tune' | 'profile') =>
  values[name] === true;
const option = (name: 'steps' | 'warmup' | 'tiny-batch' | 'l12-batch' | 'port', fallback: number) =>
  numberOption(values[name], name, fallback, isPositiveInteger, 'a positive whole number', SCRIPT);

const json = flag('json');
const log = (m: string) => (json ? process.stderr : process.stdout).write(`${m}\n`);
const port = option('port', 4179);
const query = new URLSearchParams({
  mode: 'bench',
  steps: String(option('steps', 2)),
  warmup: String(option('warmup', 1)),
  tinyBatch: String(option('tiny-batch', 16)),
  l12Batch: String(option('l12-batch', 8)),
});
if (flag('tiny-only')) query.set('tinyOnly', '1');
if (flag('no-l54')) query.set('noL54', '1');
if (flag('no-tune')) query.set('noTune', '1');
if (flag('profile')) query.set('stepProfile', '1');

async function main(): Promise<void> {
  const options = { port, build: !flag('no-build'), toolsDist: TOOLS_DIST, webgpu: true };
  const result = await inBrowser({ ...options, quiet: json, log }, (page) =>
    benchPageResult(page, `http://127.0.0.1:${port}/bench.html?${query}`, log, 1000),
  );
  process.stdout.write(`${JSON.stringify(result, null, json ? undefined : 2)}\n`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
