/// <reference lib="webworker" />
/** Runs the fused-kernel checks (./checks.ts) on WebGPU in a real worker, for e2e/fused.spec.ts. */
import { initBackend } from '../../src/train/backend';
import { runChecks } from './checks';
import { runConvBench } from './convBench';
import { runProfile } from './profile';
import { runResumeCheck } from './resumeCheck';
import type { WorkerReply } from './messages';

declare const self: DedicatedWorkerGlobalScope;

const reply = (m: WorkerReply) => self.postMessage(m);

self.addEventListener(
  'message',
  (event: MessageEvent<{ profile?: boolean; resume?: boolean; convBench?: boolean }>) => {
    (async () => {
      const report = await initBackend(['webgpu']);
      if (report.backend !== 'webgpu') throw new Error('no WebGPU in this worker');
      if (event.data.resume) {
        reply({
          type: 'resume',
          report: await runResumeCheck((message) => reply({ type: 'progress', message })),
        });
        return;
      }
      if (event.data.convBench) {
        const shapes = await runConvBench((message) => reply({ type: 'progress', message }));
        reply({ type: 'convBench', report: { shapes } });
        return;
      }
      if (event.data.profile) {
        reply({ type: 'error', message: (await runProfile()).join('\n') });
        return;
      }
      reply({
        type: 'check',
        report: await runChecks((message) => reply({ type: 'progress', message })),
      });
    })().catch((e: unknown) =>
      reply({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
    );
  },
);
