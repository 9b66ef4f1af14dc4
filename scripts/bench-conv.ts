/**
 * `npx tsx scripts/bench-conv.ts [--no-build] [--port N]`: the conv backward's split between
 * its input gradient and its filter gradient, and every filter-gradient layout's time, per conv
 * shape of DMRNet L=12 (batch 8) and the tiny preset (batch 16), on the browser's WebGPU
 * adapter (tools/bench/convBench.ts). Prints JSON.
 */
import {
  benchPageResult,
  buildApp,
  launchChromium,
  startPreview,
  TOOLS_CONFIG,
  TOOLS_DIST,
} from './appInBrowser';
import { isPositiveInteger, numberOption, scriptOptions } from './cliArgs';

const SCRIPT = 'scripts/bench-conv.ts';
const values = scriptOptions({ 'no-build': { type: 'boolean' }, port: { type: 'string' } }, SCRIPT);
const port = numberOption(
  values.port,
  'port',
  4181,
  isPositiveInteger,
  'a positive whole number',
  SCRIPT,
);
const log = (m: string) => process.stderr.write(`${m}\n`);

async function main(): Promise<void> {
  if (values['no-build'] !== true) buildApp(true, TOOLS_DIST, TOOLS_CONFIG);
  const stop = await startPreview(port, TOOLS_DIST, TOOLS_CONFIG);
  const browser = await launchChromium(true);
  try {
    const page = await browser.newPage();
    const url = `http://127.0.0.1:${port}/bench.html?mode=check&convBench=1`;
    const result = await benchPageResult(page, url, log, 1000);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await browser.close();
    stop();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
