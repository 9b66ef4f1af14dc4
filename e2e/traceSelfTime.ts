/**
 * Self time of a Chromium trace's main-thread events between two user-timing marks, summed by
 * event name (FunctionCall, UpdateLayoutTree = style, Layout, Paint...): what a DevTools
 * "bottom-up by activity" would show, for a benchmark's printout.
 */
export interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: {
    elementCount?: number;
    beginData?: { dirtyObjects?: number; totalObjects?: number };
  };
}

export interface SelfTimeRow {
  name: string;
  wallMs: number;
  cpuMs: number;
  count: number;
}

export function selfTimes(events: TraceEvent[], startMark: string, endMark: string): SelfTimeRow[] {
  const start = events.find((e) => e.name === startMark);
  const end = events.find((e) => e.name === endMark);
  if (!start || !end) throw new Error(`the trace lacks the marks ${startMark} and ${endMark}`);
  const mine = events
    .filter(
      (e) =>
        e.ph === 'X' &&
        e.pid === start.pid &&
        e.tid === start.tid &&
        e.ts + (e.dur ?? 0) >= start.ts &&
        e.ts <= end.ts,
    )
    // Parents first: earlier start, then the longer of two that start together.
    .sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
  const rows = new Map<string, SelfTimeRow>();
  const stack: { e: TraceEvent; childWall: number; childCpu: number }[] = [];
  const close = (top: { e: TraceEvent; childWall: number; childCpu: number }) => {
    const wall = (top.e.dur ?? 0) / 1000;
    const cpu = (top.e.tdur ?? top.e.dur ?? 0) / 1000;
    const row = rows.get(top.e.name) ?? { name: top.e.name, wallMs: 0, cpuMs: 0, count: 0 };
    row.wallMs += Math.max(0, wall - top.childWall);
    row.cpuMs += Math.max(0, cpu - top.childCpu);
    row.count += 1;
    rows.set(top.e.name, row);
    const parent = stack[stack.length - 1];
    if (parent) {
      parent.childWall += wall;
      parent.childCpu += cpu;
    }
  };
  for (const e of mine) {
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (e.ts < top.e.ts + (top.e.dur ?? 0)) break;
      stack.pop();
      close(top);
    }
    stack.push({ e, childWall: 0, childCpu: 0 });
  }
  while (stack.length > 0) close(stack.pop()!);
  return [...rows.values()].sort((a, b) => b.cpuMs - a.cpuMs);
}

/**
 * What style and layout had to do between the marks, in counts that do not move with the
 * machine's load: elements whose style was recalculated, layout objects laid out (dirty) and
 * in the tree (total, summed over layouts).
 */
export function renderingCounts(
  events: TraceEvent[],
  startMark: string,
  endMark: string,
): { styledElements: number; layouts: number; laidOutObjects: number; layoutTreeObjects: number } {
  const start = events.find((e) => e.name === startMark)!;
  const end = events.find((e) => e.name === endMark)!;
  const inWindow = (e: TraceEvent) =>
    e.pid === start.pid && e.tid === start.tid && e.ts >= start.ts && e.ts <= end.ts;
  let styledElements = 0;
  let layouts = 0;
  let laidOutObjects = 0;
  let layoutTreeObjects = 0;
  for (const e of events) {
    if (!inWindow(e)) continue;
    if (e.name === 'UpdateLayoutTree' && e.ph === 'X') styledElements += e.args?.elementCount ?? 0;
    if (e.name === 'Layout' && e.ph === 'X') {
      layouts++;
      laidOutObjects += e.args?.beginData?.dirtyObjects ?? 0;
      layoutTreeObjects += e.args?.beginData?.totalObjects ?? 0;
    }
  }
  return { styledElements, layouts, laidOutObjects, layoutTreeObjects };
}
