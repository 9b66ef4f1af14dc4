/**
 * Watches the memory of the Chromium renderer processes this script started (descendants of
 * this Node process whose command line has --type=renderer), from Linux's /proc: resident set
 * (VmRSS) sampled every `sampleMs`, and the kernel's own peak (VmHWM). A tab's page and its
 * dedicated workers (the import worker) live in one renderer process, so its
 * resident set is the tab's memory, ArrayBuffers and IndexedDB's buffers included.
 */
import { readFileSync, readdirSync } from 'node:fs';
import type { TabMemory } from '../tools/bench/dataBenchReport';

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null; // the process ended
  }
}

/** pid -> parent pid, for every process now. */
function parents(): Map<number, number> {
  const map = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = read(`/proc/${entry}/stat`);
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    const after = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (after?.[1]) map.set(Number(entry), Number(after[1]));
  }
  return map;
}

function renderers(): number[] {
  const parent = parents();
  const isMine = (pid: number): boolean => {
    for (
      let p = parent.get(pid), hops = 0;
      p !== undefined && hops < 16;
      p = parent.get(p), hops++
    ) {
      if (p === process.pid) return true;
    }
    return false;
  };
  return [...parent.keys()].filter(
    (pid) => isMine(pid) && (read(`/proc/${pid}/cmdline`) ?? '').includes('--type=renderer'),
  );
}

function statusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(read(`/proc/${pid}/status`) ?? '');
  return match ? Number(match[1]) * 1024 : 0;
}

export interface TabMemoryWatch {
  /** Marks the start of what is measured (the resident set now is the baseline). */
  begin(): void;
  stop(): TabMemory;
}

export function watchTabMemory(sampleMs = 100): TabMemoryWatch {
  let pids = renderers();
  let peakTab = 0;
  let peakTabPid = 0;
  let peakSum = 0;
  let before = 0;
  let samples = 0;
  let ticks = 0;
  const sample = (): void => {
    if (ticks++ % 20 === 0) pids = renderers(); // a renderer may start later
    let sum = 0;
    for (const pid of pids) {
      const rss = statusBytes(pid, 'VmRSS');
      sum += rss;
      if (rss > peakTab) {
        peakTab = rss;
        peakTabPid = pid;
      }
    }
    peakSum = Math.max(peakSum, sum);
    samples++;
  };
  const timer = setInterval(sample, sampleMs);
  return {
    begin() {
      pids = renderers();
      before = Math.max(0, ...pids.map((pid) => statusBytes(pid, 'VmRSS')));
      peakTab = 0;
      peakSum = 0;
      samples = 0;
    },
    stop() {
      sample();
      clearInterval(timer);
      return {
        peakTabRssBytes: peakTab,
        tabHwmBytes: peakTabPid ? statusBytes(peakTabPid, 'VmHWM') : 0,
        peakRenderersRssBytes: peakSum,
        tabRssBeforeBytes: before,
        samples,
        sampleMs,
      };
    },
  };
}
