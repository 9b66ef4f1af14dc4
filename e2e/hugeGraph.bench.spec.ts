/**
 * Where the main-thread time of opening issue 19's 1,000-block share link goes (a benchmark,
 * run only when asked: `E2E_BENCH=1 npx playwright test e2e/hugeGraph.bench.spec.ts`). Two
 * passes over the same hash change, each in a fresh page: a Chromium trace, whose main-thread
 * events are summed by self time (scripting, style, layout, paint...), and a V8 CPU profile
 * (0.1 ms samples), summed by function. For readable function names, build unminified first
 * (`npx vite build --minify false`). Prints numbers, asserts none.
 */
import { expect, test, type Page } from '@playwright/test';
import { encodeShareHash } from '../src/state/urlState';
import { DEFAULT_HYPERPARAMETERS } from '../src/model/hyperparameters';
import { alternatingHugeSpec } from '../src/model/testing/hugeSpec';
import { PlaygroundPage } from './playgroundPage';
import { renderingCounts, selfTimes } from './traceSelfTime';

// Playwright's own trace (retain-on-failure) snapshots the DOM around each action: not the app.
test.use({ viewport: { width: 1366, height: 768 }, trace: 'off' });

/** Sets the hash and resolves on the frame that shows the drawing, counts and lists. */
async function openHash(page: Page, hash: string): Promise<number> {
  return page.evaluate(
    (h) =>
      new Promise<number>((resolve) => {
        const drawn = () =>
          document.querySelector('[data-testid="network-graph"] svg[data-blocks="1000"]') &&
          document.querySelector('[data-testid="stat-actual-depth"]')?.textContent === '8002' &&
          document
            .querySelector('[data-testid="path-histogram"]')
            ?.textContent?.includes('alternating 5 x 200') === true &&
          document.querySelectorAll('[data-testid="stage-4-blocks"] [data-testid="block-item"]')
            .length > 0;
        performance.mark('huge-graph:start');
        const t0 = performance.now();
        const mo = new MutationObserver(() => {
          if (!drawn()) return;
          mo.disconnect();
          requestAnimationFrame(() =>
            setTimeout(() => {
              performance.mark('huge-graph:end');
              resolve(performance.now() - t0);
            }, 100),
          );
        });
        mo.observe(document.body, {
          subtree: true,
          childList: true,
          attributes: true,
          characterData: true,
        });
        location.hash = h;
      }),
    hash,
  );
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

test('where opening the 1,000-block link spends its main-thread time', async ({
  page,
  browser,
}, info) => {
  const hash = encodeShareHash({ spec: alternatingHugeSpec(), hyper: DEFAULT_HYPERPARAMETERS });

  // Pass 1: the trace, by event.
  const app = new PlaygroundPage(page, info);
  await app.open();
  await expect(app.graph).toHaveAttribute('data-blocks', /\d+/);
  await browser.startTracing(page, {
    categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink.user_timing'],
  });
  const toFrame = await openHash(page, hash);
  const trace = JSON.parse((await browser.stopTracing()).toString('utf8'));
  const rows = selfTimes(trace.traceEvents ?? trace, 'huge-graph:start', 'huge-graph:end');
  console.log(`[huge graph bench] to the frame: ${toFrame.toFixed(0)} ms; trace self time:`);
  for (const r of rows.slice(0, 16)) {
    console.log(
      `  ${r.name.padEnd(28)} ${r.cpuMs.toFixed(1).padStart(7)} ms CPU ${r.wallMs.toFixed(1).padStart(7)} ms wall  x${r.count}`,
    );
  }

  const counts = renderingCounts(trace.traceEvents ?? trace, 'huge-graph:start', 'huge-graph:end');
  console.log(`[huge graph bench] rendering counts: ${JSON.stringify(counts)}`);

  // Pass 2: a fresh page, the CPU profile, by function.
  const page2 = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  const app2 = new PlaygroundPage(page2, info);
  await app2.open();
  await expect(app2.graph).toHaveAttribute('data-blocks', /\d+/);
  const cdp = await page2.context().newCDPSession(page2);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 250 });
  await cdp.send('Profiler.start');
  await openHash(page2, hash);
  const { profile } = await cdp.send('Profiler.stop');
  const nodes = new Map<number, ProfileNode>(
    (profile.nodes as ProfileNode[]).map((n) => [n.id, n]),
  );
  const parent = new Map<number, number>();
  for (const n of nodes.values()) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (n: ProfileNode) => {
    const f = n.callFrame;
    const file = f.url.split('/').pop() ?? '';
    return `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
  };
  // Self time, and total time (each function counted once per sample, however deep).
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let busy = 0;
  for (let i = 0; i < samples.length; i++) {
    const n = nodes.get(samples[i]!);
    if (!n) continue;
    const ms = (deltas[i + 1] ?? 0) / 1000;
    const key = keyOf(n);
    self.set(key, (self.get(key) ?? 0) + ms);
    if (n.callFrame.functionName !== '(idle)') busy += ms;
    const seen = new Set<string>();
    for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
      const k = keyOf(nodes.get(id)!);
      if (seen.has(k)) continue;
      seen.add(k);
      total.set(k, (total.get(k) ?? 0) + ms);
    }
  }
  const print = (title: string, m: Map<string, number>, n: number) => {
    console.log(`[huge graph bench] CPU profile, ${title} (busy ${busy.toFixed(0)} ms):`);
    for (const [k, ms] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) {
      console.log(`  ${ms.toFixed(1).padStart(7)} ms  ${k}`);
    }
  };
  print('self time by function', self, 30);
  print('total time by function', total, 70);
  // Opens in DevTools (Performance, load profile) for the call tree.
  const { writeFile } = await import('node:fs/promises');
  await writeFile(info.outputPath('huge-graph.cpuprofile'), JSON.stringify(profile));
  await info.attach('huge-graph.cpuprofile', {
    path: info.outputPath('huge-graph.cpuprofile'),
    contentType: 'application/json',
  });
  await page2.close();
});
