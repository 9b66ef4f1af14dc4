/**
 * Watches the memory of the Chromium renderer processes this script started (descendants of
 * this Node process whose command line has --type=renderer), from Linux's /proc: resident set
 * (VmRSS) sampled every `sampleMs`, and the kernel's own peak (VmHWM). A tab's page and its
 * dedicated workers (the import worker) live in one renderer process, so its
 * resident set is the tab's memory, ArrayBuffers and IndexedDB's buffers included.
 */
import { readFileSync, readdirSync } from 'node:fs';
import type { TabMemory, TabMemoryBreakdown } from '../tools/bench/dataBenchReport';

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

function statusBytes(pid: number, field: 'VmRSS' | 'VmHWM' | 'RssAnon' | 'VmSwap'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(read(`/proc/${pid}/status`) ?? '');
  return match ? Number(match[1]) * 1024 : 0;
}

/**
 * A process's private memory footprint as Chromium computes it on Linux (anonymous resident
 * memory plus swap): what Chrome's Task Manager shows as a tab's "Memory footprint". Unlike the
 * resident set it leaves out mapped files (Chromium's own code, shared by all its processes).
 */
function privateBytes(pid: number): number {
  return statusBytes(pid, 'RssAnon') + statusBytes(pid, 'VmSwap');
}

const GiB = 2 ** 30;

/**
 * Splits a process's resident set by address range (see TabMemoryBreakdown): mappings are
 * grouped into runs of adjacent ones (a reservation split by what was committed in it); a run
 * of 256 GiB or more is the V8 sandbox, one of 8 to 256 GiB a PartitionAlloc pool.
 */
export function memoryBreakdown(smaps: string): TabMemoryBreakdown {
  const out: TabMemoryBreakdown = {
    filesBytes: 0,
    v8SandboxBytes: 0,
    partitionAllocBytes: 0,
    otherBytes: 0,
  };
  interface Mapping {
    start: number;
    end: number;
    file: boolean;
    rss: number;
  }
  const mappings: Mapping[] = [];
  for (const line of smaps.split('\n')) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      const path = header[3]!.trim();
      mappings.push({
        start: parseInt(header[1]!, 16),
        end: parseInt(header[2]!, 16),
        file: path.startsWith('/') && !path.startsWith('/memfd:') && !path.startsWith('/dev/'),
        rss: 0,
      });
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    const last = mappings[mappings.length - 1];
    if (rss && last) last.rss = Number(rss[1]) * 1024;
  }
  for (let i = 0; i < mappings.length;) {
    let j = i + 1;
    while (j < mappings.length && mappings[j]!.start === mappings[j - 1]!.end) j++;
    const span = mappings[j - 1]!.end - mappings[i]!.start;
    for (const m of mappings.slice(i, j)) {
      if (m.file) out.filesBytes += m.rss;
      else if (span >= 256 * GiB) out.v8SandboxBytes += m.rss;
      else if (span >= 8 * GiB) out.partitionAllocBytes += m.rss;
      else out.otherBytes += m.rss;
    }
    i = j;
  }
  return out;
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
  let peakPrivate = 0;
  let beforePrivate = 0;
  let beforeBreakdown: TabMemoryBreakdown | null = null;
  let peakSum = 0;
  let before = 0;
  let samples = 0;
  let ticks = 0;
  let tabSamples: number[] = [];
  let breakdown: TabMemoryBreakdown | null = null;
  let breakdownAt = 0;
  const sample = (): void => {
    if (ticks++ % 20 === 0) pids = renderers(); // a renderer may start later
    let sum = 0;
    let tab = 0;
    for (const pid of pids) {
      const rss = statusBytes(pid, 'VmRSS');
      sum += rss;
      tab = Math.max(tab, rss);
      peakPrivate = Math.max(peakPrivate, privateBytes(pid));
      if (rss > peakTab) {
        peakTab = rss;
        peakTabPid = pid;
        // Read at a new peak only (smaps costs a few ms), and not for every MB it grows.
        if (rss > breakdownAt + 4e6) {
          const smaps = read(`/proc/${pid}/smaps`);
          if (smaps) {
            breakdown = memoryBreakdown(smaps);
            breakdownAt = rss;
          }
        }
      }
    }
    peakSum = Math.max(peakSum, sum);
    tabSamples.push(tab);
    samples++;
  };
  const timer = setInterval(sample, sampleMs);
  return {
    begin() {
      pids = renderers();
      const tabPid = pids.reduce(
        (best, pid) => (statusBytes(pid, 'VmRSS') > statusBytes(best, 'VmRSS') ? pid : best),
        pids[0] ?? 0,
      );
      before = tabPid ? statusBytes(tabPid, 'VmRSS') : 0;
      beforePrivate = tabPid ? privateBytes(tabPid) : 0;
      const smaps = tabPid ? read(`/proc/${tabPid}/smaps`) : null;
      beforeBreakdown = smaps ? memoryBreakdown(smaps) : null;
      peakTab = 0;
      peakPrivate = 0;
      peakSum = 0;
      samples = 0;
      tabSamples = [];
      breakdown = null;
      breakdownAt = 0;
    },
    stop() {
      sample();
      clearInterval(timer);
      return {
        peakTabRssBytes: peakTab,
        tabHwmBytes: peakTabPid ? statusBytes(peakTabPid, 'VmHWM') : 0,
        peakRenderersRssBytes: peakSum,
        tabRssBeforeBytes: before,
        peakTabPrivateBytes: peakPrivate,
        tabPrivateBeforeBytes: beforePrivate,
        beforeBreakdown,
        tabRssMedianBytes: [...tabSamples].sort((a, b) => a - b)[tabSamples.length >> 1] ?? 0,
        peakBreakdown: breakdown,
        samples,
        sampleMs,
      };
    },
  };
}
