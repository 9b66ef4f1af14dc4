/**
 * Convolution (NHWC input, [k, k, in, out] filter, square stride and zero padding, no bias:
 * the network's conv3x3 pad 1 and conv1x1 pad 0) as three WGSL kernels of our own: forward,
 * input gradient and filter gradient.
 *
 * Why not tfjs's: its WebGPU convolutions are tiled matrix products that stage tiles in
 * workgroup memory behind `workgroupBarrier()`. On a software adapter (SwiftShader, what a
 * machine without a GPU runs) every barrier suspends and resumes each invocation, and
 * `bench.html?profile=1` measured a 3x3 conv of [8, 32, 32, 8] at 220 ms there, against
 * 0.5 ms for tfjs's own barrier-free debug kernel. These kernels use no barrier and no
 * workgroup memory: each invocation owns a few outputs and loops over its receptive field,
 * with every size baked into the shader so loops unroll. The filter gradient, a reduction
 * over every output pixel, is two barrier-free passes: partial sums over chunks of pixels,
 * then a sum of the chunks.
 */
import * as tf from '@tensorflow/tfjs';
import {
  bufferOf,
  copies,
  deviceOf,
  dispatch,
  emptyTensor,
  isCompiled,
  markInFlight,
  submitPending,
} from './runtime';

const WG = 64;
/** Invocations of the filter gradient's first pass we aim for (enough to fill the cores). */
const DW_PARALLELISM = 8192;

export interface ConvShape {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  k: number;
  stride: number;
  pad: number;
  oh: number;
  ow: number;
}

export function convShape(
  x: readonly number[],
  filter: readonly number[],
  stride: number,
  pad: number,
): ConvShape {
  const [n, h, w, ci] = x as [number, number, number, number];
  const [k, k2, fci, co] = filter as [number, number, number, number];
  if (k !== k2) throw new Error(`square filters only, got ${k}x${k2}`);
  if (fci !== ci) throw new Error(`filter takes ${fci} channels, input has ${ci}`);
  // tfjs's rounding for a numeric pad: floor((in - k + 2 pad) / stride) + 1.
  const oh = Math.floor((h - k + 2 * pad) / stride) + 1;
  const ow = Math.floor((w - k + 2 * pad) / stride) + 1;
  return { n, h, w, ci, co, k, stride, pad, oh, ow };
}

/** The largest of 8, 4, 2, 1 that divides `c`: channels one invocation owns. */
function tileOf(c: number): number {
  for (const t of [8, 4, 2]) if (c % t === 0) return t;
  return 1;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

function groupsFor(total: number): number {
  return Math.max(1, Math.min(16384, Math.ceil(total / WG)));
}

const HEADER = /* wgsl */ `
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let step = nwg.x * ${WG}u;`;

/**
 * How the forward kernel is laid out: threads per workgroup, output channels (`tile`) x
 * neighbouring output pixels of a row (`pix`) one invocation owns. Tuning parameters
 * (./tuning.ts times them per shape on the adapter).
 */
export interface ForwardVariant {
  wg: number;
  tile: number;
  /** Pixels of one row an invocation owns (register blocking, `forwardCode`). */
  pix: number;
}

/** The widest of 4 and 2 that `ok` accepts, else 1: pixels an invocation owns by default. */
function widestPix(ok: (pix: number) => boolean): number {
  return [4, 2].find(ok) ?? 1;
}

/**
 * The untuned layout: 256 threads, the widest tile of 8, 4, 2, 1 that divides co, 4 pixels
 * where they divide ow. On SwiftShader 4 pixels x 8 channels beat 1 pixel by 1.3-6x on every
 * shape of tiny and L=12 (docs/performance.md, "Register blocking").
 */
export function defaultForward(s: ConvShape): ForwardVariant {
  return { wg: 256, tile: tileOf(s.co), pix: widestPix((p) => s.ow % p === 0) };
}

/** Tiles worth timing: 8 and 4 where they divide `c`, else the widest that does. */
function tilesFor(c: number): number[] {
  const tiles = [8, 4].filter((t) => c % t === 0);
  return tiles.length > 0 ? tiles : [tileOf(c)];
}

/** Every tile x pixel count x workgroup size of 64 and 256. */
function layouts(tiles: number[], pixes: number[]): ForwardVariant[] {
  return tiles.flatMap((tile) =>
    pixes.flatMap((pix) => [64, 256].map((wg) => ({ wg, tile, pix }))),
  );
}

/**
 * The forward's layouts worth timing for `s`: tiles of 8 and 4 (where they divide co), 2 and
 * 4 pixels (where they divide ow), two workgroup sizes; a single pixel never came close on
 * SwiftShader, and the list is kept short (each candidate costs the app a warm-up, a
 * read-back and timed runs).
 */
export function forwardVariants(s: ConvShape): ForwardVariant[] {
  const pixes = [2, 4].filter((p) => s.ow % p === 0);
  return layouts(tilesFor(s.co), pixes.length > 0 ? pixes : [1]);
}

/** Forward layouts chosen for shapes (by `keyOf`); `defaultForward` for the rest. */
const chosenForward = new Map<string, ForwardVariant | 'tfjs'>();

/** Uses `choice` for the forward of convs of shape `s` from now on (./tuning.ts). */
export function chooseForward(s: ConvShape, choice: ForwardVariant | 'tfjs'): void {
  chosenForward.set(keyOf(s), choice);
}

/**
 * While on, a shape whose chosen layout's pipeline is not compiled yet runs a quick layout
 * instead (`quickForward`, `quickBackward`): one pixel and the unblocked filter gradient, whose
 * shaders compile several times faster than the register-blocked ones (L=12's 33 pipelines:
 * 1.25 s against 3.3 s on SwiftShader, docs/performance.md "Preparation"). Every layout sums
 * in the same order, so switching changes no bit of a run. On from `prepare` (step.ts) on.
 */
let quickUntilCompiled = false;

export function setQuickLayoutsUntilCompiled(on: boolean): void {
  quickUntilCompiled = on;
}

/** Passes (forward or backward, by shape) whose last recorded launch used the quick layout. */
const onQuick = new Set<string>();

/** How many conv passes ran their quick layout last time they were recorded (check mode). */
export function passesOnQuickLayouts(): number {
  return onQuick.size;
}

function noteQuick(pass: string, quick: boolean): void {
  // Off only while step.ts traces the chosen layouts to compile them: nothing runs then.
  if (!quickUntilCompiled) return;
  if (quick) onQuick.add(pass);
  else onQuick.delete(pass);
}

/** The forward's quick-to-compile layout: 64 threads, the widest tile, one pixel. */
export function quickForward(s: ConvShape): ForwardVariant {
  return { wg: WG, tile: tileOf(s.co), pix: 1 };
}

/**
 * The layout to record a forward of shape `s` with: the chosen one (`chooseForward`, else the
 * default), or the quick one while the chosen one's `code` is still compiling.
 */
export function forwardChoice(
  s: ConvShape,
  code: (v: ForwardVariant) => string = (v) => forwardSource(s, v),
): ForwardVariant | 'tfjs' {
  const chosen = chosenForward.get(keyOf(s)) ?? defaultForward(s);
  const quick = quickUntilCompiled && chosen !== 'tfjs' && !isCompiled(code(chosen));
  noteQuick(`f${keyOf(s)}`, quick);
  return quick ? quickForward(s) : chosen;
}

/**
 * How the backward launch is laid out: threads per workgroup; input channels (`tile`, capped
 * to a tile that divides ci) x input pixels (`pix`) one invocation of the input gradient owns;
 * the block of input x output channels one invocation of the filter gradient owns (`dwCi` x
 * `dwCo`). The filter gradient's chunking of the pixels does not depend on them, so every
 * layout sums in the same
 * order: results are bit-identical.
 */
export interface BackwardVariant {
  wg: number;
  tile: number;
  /** Input pixels an invocation of the input gradient owns (`dxPixOf`). */
  pix: number;
  dwCi: number;
  dwCo: number;
}

/**
 * The filter gradient's untuned block: up to 8 input x 4 output channels (the widest of 8, 4,
 * 3, 2, 1 dividing ci; of 4, 2, 1 dividing co). On SwiftShader it took about half the time
 * of the unblocked kernel's 1 x 8 over L=12's shapes, and was the fastest block over both
 * networks' shapes (tools/bench/convBench.ts; docs/performance.md).
 */
export function defaultFilterGradLayout(s: ConvShape): FilterGradLayout {
  return { ci: widestDividing(s.ci, [8, 4, 3, 2]), co: widestDividing(s.co, [4, 2]) };
}

/**
 * Input pixels an invocation of the input gradient owns: `pix`, spaced by the stride (so
 * every pixel of a block is reached by the same taps), where the columns of each residue
 * modulo the stride divide into blocks of `pix`; else 1.
 */
function dxPixOf(s: ConvShape, pix: number): number {
  return s.w % s.stride === 0 && (s.w / s.stride) % pix === 0 ? pix : 1;
}

/**
 * The untuned backward: 64 threads, the widest tile that divides co, 4 input pixels, the
 * default filter-gradient block.
 */
export function defaultBackward(s: ConvShape): BackwardVariant {
  const dw = defaultFilterGradLayout(s);
  const pix = widestPix((p) => dxPixOf(s, p) === p);
  return { wg: WG, tile: tileOf(s.co), pix, dwCi: dw.ci, dwCo: dw.co };
}

/**
 * Filter-gradient blocks worth timing for `s`, the default first: the default, those of 4 x 8
 * and 8 x 8 (input x output channels; 3 x 8 for 3 or 6 input channels) that divide ci and co,
 * and the unblocked 1 x (widest tile of co), which has the most invocations (a hardware GPU
 * may want them; not measured: none here). Bigger blocks spill registers on SwiftShader;
 * smaller ones load more per multiply-add (tools/bench/convBench.ts measured them).
 */
export function filterGradLayouts(s: ConvShape): FilterGradLayout[] {
  const first = defaultFilterGradLayout(s);
  const out = [first];
  for (const [ci, co] of [
    [4, 8],
    [8, 8],
    [3, 8],
    [1, tileOf(s.co)],
  ] as const) {
    if (s.ci % ci !== 0 || s.co % co !== 0 || (ci === 3 && first.ci !== 3)) continue;
    if (!out.some((b) => b.ci === ci && b.co === co)) out.push({ ci, co });
  }
  return out;
}

/**
 * The backward's layouts worth timing: the input gradient's tiles of 8 and 4 x 1, 2 and 4
 * pixels x two workgroup sizes with the default filter-gradient block, then the default
 * workgroup, tile and pixels with each other block (not the whole product: every candidate
 * costs tuning time in the app).
 */
export function backwardVariants(s: ConvShape): BackwardVariant[] {
  const [dw, ...otherBlocks] = filterGradLayouts(s);
  const first = defaultBackward(s);
  const dxLayouts = layouts(
    tilesFor(s.co),
    [1, 2, 4].filter((p) => dxPixOf(s, p) === p),
  );
  return [
    ...dxLayouts.map((v) => ({ ...v, dwCi: dw!.ci, dwCo: dw!.co })),
    ...otherBlocks.map((b) => ({ ...first, dwCi: b.ci, dwCo: b.co })),
  ];
}

const chosenBackward = new Map<string, BackwardVariant>();

/** Uses `v` for the backward of convs of shape `s` from now on (./tuning.ts). */
export function chooseBackward(s: ConvShape, v: BackwardVariant): void {
  chosenBackward.set(keyOf(s), v);
}

/** The backward's quick-to-compile layout: one pixel, the unblocked filter gradient (1 x t). */
export function quickBackward(s: ConvShape): BackwardVariant {
  return { wg: WG, tile: tileOf(s.co), pix: 1, dwCi: 1, dwCo: tileOf(s.co) };
}

/** As `forwardChoice`, for the backward launch (with or without the input gradient). */
export function backwardChoice(s: ConvShape, inputGrad = true): BackwardVariant {
  const chosen = chosenBackward.get(keyOf(s)) ?? defaultBackward(s);
  const quick = quickUntilCompiled && !isCompiled(backwardSource(s, inputGrad, chosen));
  noteQuick(`b${+inputGrad},${keyOf(s)}`, quick);
  return quick ? quickBackward(s) : chosen;
}

/** Back to the untuned layouts for every shape (a re-tune, or the cache cleared). */
export function resetChoices(): void {
  chosenForward.clear();
  chosenBackward.clear();
}

/** The widest of 8, 4, 2, 1 that divides `c` and is at most `cap`. */
function tileUpTo(c: number, cap: number): number {
  for (const t of [8, 4, 2]) if (t <= cap && c % t === 0) return t;
  return 1;
}

/** The accumulator of pixel `p`, channel `j` of an invocation's block. */
const acc = (p: number, j: number) => `a${p}_${j}`;

/** WGSL lines, one per pixel and channel of a P x T block. */
const block = (pix: number, t: number, line: (p: number, j: number) => string) =>
  range(pix)
    .flatMap((p) => range(t).map((j) => line(p, j)))
    .join(' ');

/**
 * y[n, oh, ow, co] = sum_{kh, kw, ci} x[n, oh*s + kh - p, ow*s + kw - p, ci] w[kh, kw, ci, co].
 *
 * Register blocking: an invocation owns `pix` neighbouring output pixels of one row x `tile`
 * output channels, so each filter value it loads serves `pix` pixels and each input value
 * `tile` channels (on SwiftShader a load with a per-lane address is a gather with a bounds
 * check: the kernel is bound by its loads, not its multiply-adds). Input channels are read
 * as vec4 where ci divides by 4, filter rows as vec4 where the tile does. Each output still
 * sums its terms in the order kh, kw, then ci, whatever the layout: a pixel of the block whose
 * tap falls in the padding adds x = 0 instead of skipping it, and since an accumulator that
 * starts at +0 is never -0, adding a zero term leaves its bits unchanged.
 */
function forwardCode(s: ConvShape, v: ForwardVariant): string {
  const names = { x: 'x', f: 'f', y: 'y' };
  return /* wgsl */ `
${forwardDeclarations(s, v, names, 0)}
@compute @workgroup_size(${v.wg})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let step = nwg.x * ${v.wg}u;
  ${forwardBody(s, v, names)}
}`;
}

/** The buffers a forward job reads and writes: input, filter, output. */
export interface ForwardNames {
  x: string;
  f: string;
  y: string;
}

/** The forward job's three bindings, numbered from `first`. */
export function forwardDeclarations(
  s: ConvShape,
  v: ForwardVariant,
  names: ForwardNames,
  first: number,
): string {
  const xType = s.ci % 4 === 0 ? 'vec4<f32>' : 'f32';
  const fType = v.tile % 4 === 0 ? 'vec4<f32>' : 'f32';
  return [
    `@group(0) @binding(${first}) var<storage, read> ${names.x}: array<${xType}>;`,
    `@group(0) @binding(${first + 1}) var<storage, read> ${names.f}: array<${fType}>;`,
    `@group(0) @binding(${first + 2}) var<storage, read_write> ${names.y}: array<f32>;`,
  ].join('\n');
}

/**
 * The forward's grid-stride loop over its invocations' blocks (`gid.x` from 0 by `step`), as
 * WGSL statements: a kernel of one job (`forwardCode`) or of several (./convPair.ts).
 */
export function forwardBody(s: ConvShape, v: ForwardVariant, names: ForwardNames): string {
  const t = v.tile;
  const pix = v.pix;
  const groups = s.co / t;
  const blocks = s.ow / pix;
  const total = s.n * s.oh * blocks * groups;
  const xv = s.ci % 4 === 0;
  const fv = t % 4 === 0;
  const cs = xv ? 4 : 1; // input channels per load
  const fRow = fv ? s.co / 4 : s.co; // a filter row (one ci) in loaded elements
  const xType = xv ? 'vec4<f32>' : 'f32';
  const xAt = (p: number, q: number) => (xv ? `x${p}[${q}]` : `x${p}`);
  const fAt = (q: number, j: number) => (fv ? `f${q}_${j >> 2}[${j & 3}]` : `f${q}_${j}`);
  const fLoads = fv ? t / 4 : t;
  return /* wgsl */ `
  for (var i = gid.x; i < ${total}u; i = i + step) {
    let g = i % ${groups}u;
    let b = i / ${groups}u;
    let ow0 = (b % ${blocks}u) * ${pix}u;
    let r = (b / ${blocks}u) % ${s.oh}u;
    let n = b / ${blocks * s.oh}u;
    ${block(pix, t, (p, j) => `var ${acc(p, j)} = 0.0;`)}
    for (var kh = 0u; kh < ${s.k}u; kh = kh + 1u) {
      let ih = i32(r * ${s.stride}u + kh) - ${s.pad};
      if (ih < 0 || ih >= ${s.h}) { continue; }
      let xr = (n * ${s.h}u + u32(ih)) * ${s.w}u;
      for (var kw = 0u; kw < ${s.k}u; kw = kw + 1u) {
        ${range(pix)
          .map(
            (p) => `let iw${p} = i32((ow0 + ${p}u) * ${s.stride}u + kw) - ${s.pad};
        let ok${p} = iw${p} >= 0 && iw${p} < ${s.w};
        let xb${p} = select(0u, (xr + u32(iw${p})) * ${s.ci / cs}u, ok${p});`,
          )
          .join('\n        ')}
        ${pix === 1 ? 'if (!ok0) { continue; }' : ''}
        let fb = (kh * ${s.k}u + kw) * ${s.ci * fRow}u + g * ${fLoads}u;
        for (var c = 0u; c < ${s.ci / cs}u; c = c + 1u) {
          ${range(pix)
            .map((p) =>
              pix === 1
                ? `let x${p} = ${names.x}[xb${p} + c];`
                : `let x${p} = select(${xType}(), ${names.x}[xb${p} + c], ok${p});`,
            )
            .join(' ')}
          ${range(cs)
            .map(
              (q) => `let fr${q} = fb + (c * ${cs}u + ${q}u) * ${fRow}u;
          ${range(fLoads)
            .map((l) => `let f${q}_${l} = ${names.f}[fr${q} + ${l}u];`)
            .join(' ')}
          ${block(pix, t, (p, j) => `${acc(p, j)} = ${acc(p, j)} + ${xAt(p, q)} * ${fAt(q, j)};`)}`,
            )
            .join('\n          ')}
        }
      }
    }
    let yb = ((n * ${s.oh}u + r) * ${s.ow}u + ow0) * ${s.co}u + g * ${t}u;
    ${block(pix, t, (p, j) => `${names.y}[yb + ${p * s.co + j}u] = ${acc(p, j)};`)}
  }`;
}

/**
 * The input gradient's view of dy: `dy` itself, or where co divides by 4 a second binding of
 * the same buffer read as vec4 (the filter gradient's job, in the same launch, reads `dy`).
 */
const dyName = (s: ConvShape) => (s.co % 4 === 0 ? 'dy4' : 'dy');

/**
 * dx[n, ih, iw, ci] = sum over the (kh, kw) that reach an output pixel (oh, ow), i.e.
 * ih + p - kh = oh*s, of sum_co dy[n, oh, ow, co] w[kh, kw, ci, co].
 *
 * Blocked as the forward: an invocation owns `pix` input pixels of one row, `stride` apart, x a
 * tile of input channels; dy and the filter are read as vec4 over co where co divides by 4.
 * The order per output stays kh, kw, then co; a pixel of the block that a tap does not reach
 * adds dy = 0 (bit-neutral, see `forwardCode`).
 */
function inputGradBody(s: ConvShape, v: BackwardVariant): string {
  const t = tileUpTo(s.ci, v.tile);
  const pix = dxPixOf(s, v.pix);
  const groups = s.ci / t;
  const blocks = s.w / pix;
  const total = s.n * s.h * blocks * groups;
  const dv = s.co % 4 === 0;
  const cs = dv ? 4 : 1; // output channels per load
  const row = s.co / cs; // a filter row (one ci) or a dy pixel, in loaded elements
  const zero = dv ? 'vec4<f32>()' : '0.0';
  const dAt = (p: number, q: number) => (dv ? `d${p}[${q}]` : `d${p}`);
  const fAt = (j: number, q: number) => (dv ? `f${j}[${q}]` : `f${j}`);
  return /* wgsl */ `
  for (var i = first; i < ${total}u; i = i + step) {
    let g = i % ${groups}u;
    let b = i / ${groups}u;
    // Block bi of a row: residue bi % stride, columns from (bi / stride) * pix on.
    let bi = b % ${blocks}u;
    let iw0 = i32(bi % ${s.stride}u + (bi / ${s.stride}u) * ${pix * s.stride}u);
    let ih = i32((b / ${blocks}u) % ${s.h}u);
    let n = b / ${blocks * s.h}u;
    let ci = g * ${t}u;
    ${block(pix, t, (p, j) => `var ${acc(p, j)} = 0.0;`)}
    for (var kh = 0; kh < ${s.k}; kh = kh + 1) {
      let sh = ih + ${s.pad} - kh;
      if (sh < 0 || sh % ${s.stride} != 0 || sh / ${s.stride} >= ${s.oh}) { continue; }
      let dr = (n * ${s.oh}u + u32(sh / ${s.stride})) * ${s.ow}u;
      for (var kw = 0; kw < ${s.k}; kw = kw + 1) {
        ${range(pix)
          .map(
            (p) => `let sw${p} = iw0 + ${p * s.stride + s.pad} - kw;
        let ok${p} = sw${p} >= 0 && sw${p} % ${s.stride} == 0 && sw${p} / ${s.stride} < ${s.ow};
        let db${p} = select(0u, (dr + u32(sw${p} / ${s.stride})) * ${row}u, ok${p});`,
          )
          .join('\n        ')}
        if (!(${range(pix)
          .map((p) => `ok${p}`)
          .join(' || ')})) { continue; }
        let fb = (u32(kh * ${s.k} + kw) * ${s.ci}u + ci) * ${row}u;
        for (var c = 0u; c < ${row}u; c = c + 1u) {
          ${range(pix)
            .map((p) =>
              pix === 1
                ? `let d${p} = ${dyName(s)}[db${p} + c];`
                : `let d${p} = select(${zero}, ${dyName(s)}[db${p} + c], ok${p});`,
            )
            .join(' ')}
          ${range(t)
            .map((j) => `let f${j} = f[fb + ${j * row}u + c];`)
            .join(' ')}
          ${range(cs)
            .map((q) =>
              block(pix, t, (p, j) => `${acc(p, j)} = ${acc(p, j)} + ${dAt(p, q)} * ${fAt(j, q)};`),
            )
            .join('\n          ')}
        }
      }
    }
    let xb = ((n * ${s.h}u + u32(ih)) * ${s.w}u + u32(iw0)) * ${s.ci}u + ci;
    ${block(pix, t, (p, j) => `dx[xb + ${p * s.stride * s.ci + j}u] = ${acc(p, j)};`)}
  }`;
}

/** How the filter gradient splits its reduction over the m = n*oh*ow output pixels. */
export function filterGradChunks(s: ConvShape): { chunks: number; chunkSize: number } {
  const m = s.n * s.oh * s.ow;
  const owners = (s.k * s.k * s.ci * s.co) / tileOf(s.co);
  const wanted = Math.max(1, Math.min(Math.ceil(m / 16), Math.ceil(DW_PARALLELISM / owners)));
  const chunkSize = Math.ceil(m / wanted);
  return { chunks: Math.ceil(m / chunkSize), chunkSize };
}

/**
 * The filter gradient's first pass, register-blocked: each invocation owns `ci` input channels
 * x `co` output channels of one tap (kh, kw) for one chunk of pixels, so per pixel it loads
 * ci x values and co dy values for ci * co multiply-adds (a tile of 1 x t loaded 1 + t values
 * for t). On a software adapter every load with a per-invocation address is a gather with a
 * bounds check, far dearer than the arithmetic. Tuning parameters (./tuning.ts).
 */
export interface FilterGradLayout {
  ci: number;
  co: number;
}

/** The widest of `sizes` that divides `c`. */
function widestDividing(c: number, sizes: readonly number[]): number {
  return sizes.find((t) => c % t === 0) ?? 1;
}

/**
 * Pass 1: partial[chunk, kh, kw, ci, co] = sum over the chunk's output pixels, in order, of
 * x[n, oh*s + kh - p, ow*s + kw - p, ci] dy[n, oh, ow, co]. Every layout sums each entry's
 * pixels in the same order (the chunks depend on the shape only), so results are
 * bit-identical across layouts. The pixel's (n, oh, ow) is stepped, not divided out of p
 * each pixel (CPUs have no vector integer division: a software adapter may run it lane by
 * lane).
 */
function filterGradPartialBody(
  s: ConvShape,
  chunks: number,
  chunkSize: number,
  b: FilterGradLayout,
): string {
  const groupsO = s.co / b.co;
  const groupsI = s.ci / b.ci;
  const weights = s.k * s.k * s.ci * s.co;
  const owners = s.k * s.k * groupsI * groupsO;
  const m = s.n * s.oh * s.ow;
  const rs = range(b.ci);
  const cs = range(b.co);
  const acc = (r: number, c: number) => `a${r}_${c}`;
  return /* wgsl */ `
  for (var i = first; i < ${owners * chunks}u; i = i + step) {
    let owner = i % ${owners}u;
    let chunk = i / ${owners}u;
    let co = (owner % ${groupsO}u) * ${b.co}u;
    let ci = ((owner / ${groupsO}u) % ${groupsI}u) * ${b.ci}u;
    let kw = (owner / ${groupsO * groupsI}u) % ${s.k}u;
    let kh = owner / ${groupsO * groupsI * s.k}u;
    ${rs.flatMap((r) => cs.map((c) => `var ${acc(r, c)} = 0.0;`)).join(' ')}
    let start = chunk * ${chunkSize}u;
    let end = min(${m}u, start + ${chunkSize}u);
    var ow = start % ${s.ow}u;
    var oh = (start / ${s.ow}u) % ${s.oh}u;
    var n = start / ${s.ow * s.oh}u;
    var db = start * ${s.co}u + co;
    for (var p = start; p < end; p = p + 1u) {
      let ih = i32(oh * ${s.stride}u + kh) - ${s.pad};
      let iw = i32(ow * ${s.stride}u + kw) - ${s.pad};
      if (ih >= 0 && ih < ${s.h} && iw >= 0 && iw < ${s.w}) {
        let xb = ((n * ${s.h}u + u32(ih)) * ${s.w}u + u32(iw)) * ${s.ci}u + ci;
        ${rs.map((r) => `let x${r} = x[xb + ${r}u];`).join(' ')}
        ${cs.map((c) => `let d${c} = dy[db + ${c}u];`).join(' ')}
        ${rs.flatMap((r) => cs.map((c) => `${acc(r, c)} = ${acc(r, c)} + x${r} * d${c};`)).join('\n        ')}
      }
      db = db + ${s.co}u;
      ow = ow + 1u;
      if (ow == ${s.ow}u) {
        ow = 0u;
        oh = oh + 1u;
        if (oh == ${s.oh}u) {
          oh = 0u;
          n = n + 1u;
        }
      }
    }
    let o = chunk * ${weights}u + ((kh * ${s.k}u + kw) * ${s.ci}u + ci) * ${s.co}u + co;
    ${rs.flatMap((r) => cs.map((c) => `partial[o + ${r * s.co + c}u] = ${acc(r, c)};`)).join(' ')}
  }`;
}

/** Invocations of each backward job: input gradient (0 for the stem), filter gradient. */
function backwardInvocations(
  s: ConvShape,
  inputGrad: boolean,
  v: BackwardVariant,
): [number, number] {
  const { chunks } = filterGradChunks(s);
  return [
    inputGrad ? (s.n * s.h * s.w * s.ci) / tileUpTo(s.ci, v.tile) / dxPixOf(s, v.pix) : 0,
    (chunks * s.k * s.k * s.ci * s.co) / (v.dwCi * v.dwCo),
  ];
}

function groupsOf(invocations: number, wg: number): number {
  return Math.max(1, Math.min(16384, Math.ceil(invocations / wg)));
}

/**
 * Both gradients of a conv in one launch: workgroups [0, dxGroups) compute the input
 * gradient, the rest pass 1 of the filter gradient (each part a grid-stride loop over its own
 * workgroups). Both read dy; one launch instead of two.
 */
function backwardCode(s: ConvShape, inputGrad: boolean, v: BackwardVariant): string {
  const { chunks, chunkSize } = filterGradChunks(s);
  const [dxInv, dwInv] = backwardInvocations(s, inputGrad, v);
  const dxGroups = dxInv > 0 ? groupsOf(dxInv, v.wg) : 0;
  const dwGroups = groupsOf(dwInv, v.wg);
  const dwJob = /* wgsl */ `{
    let first = (wid.x - ${dxGroups}u) * ${v.wg}u + lid;
    let step = ${dwGroups * v.wg}u;
    ${filterGradPartialBody(s, chunks, chunkSize, { ci: v.dwCi, co: v.dwCo })}
  }`;
  return /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> partial: array<f32>;
${
  inputGrad
    ? `@group(0) @binding(3) var<storage, read> f: array<${s.co % 4 === 0 ? 'vec4<f32>' : 'f32'}>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;
${dyName(s) === 'dy4' ? '@group(0) @binding(5) var<storage, read> dy4: array<vec4<f32>>;' : ''}`
    : ''
}
@compute @workgroup_size(${v.wg})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  ${
    inputGrad
      ? `if (wid.x < ${dxGroups}u) {
    let first = wid.x * ${v.wg}u + lid;
    let step = ${dxGroups * v.wg}u;
    ${inputGradBody(s, v)}
  } else ${dwJob}`
      : dwJob
  }
}`;
}

/** Pass 2: dw[j] = sum over chunks of partial[chunk, j]. */
function filterGradSumCode(weights: number, chunks: number): string {
  return /* wgsl */ `
@group(0) @binding(0) var<storage, read> partial: array<f32>;
@group(0) @binding(1) var<storage, read_write> dw: array<f32>;
${HEADER}
  for (var j = gid.x; j < ${weights}u; j = j + step) {
    var a = 0.0;
    for (var c = 0u; c < ${chunks}u; c = c + 1u) { a = a + partial[c * ${weights}u + j]; }
    dw[j] = a;
  }
}`;
}

/**
 * WGSL sources are made once per shape and kept: building them is string work that would
 * otherwise run for every dispatch of every step (and the pipeline cache hashes a string it
 * has seen before faster).
 */
const codes = new Map<string, string>();

function memo(key: string, make: () => string): string {
  let code = codes.get(key);
  if (code === undefined) {
    code = make();
    codes.set(key, code);
  }
  return code;
}

/** The forward's WGSL for layout `v` (made once per shape and layout). */
function forwardSource(s: ConvShape, v: ForwardVariant): string {
  return memo(`f${v.wg},${v.tile},${v.pix},${keyOf(s)}`, () => forwardCode(s, v));
}

/** The backward launch's WGSL for layout `v`. */
function backwardSource(s: ConvShape, inputGrad: boolean, v: BackwardVariant): string {
  return memo(`b${+inputGrad},${v.wg},${v.tile},${v.pix},${v.dwCi},${v.dwCo},${keyOf(s)}`, () =>
    backwardCode(s, inputGrad, v),
  );
}

export const keyOf = (s: ConvShape) =>
  `${s.n},${s.h},${s.w},${s.ci},${s.co},${s.k},${s.stride},${s.pad}`;

/** One dispatch of `code` over `invocations` (grid-stride: capped workgroup count). */
function launch(code: string, bindings: tf.TensorInfo[], invocations: number): void {
  dispatch({ code, bindings, uniforms: [], workgroups: [groupsFor(invocations)] });
}

/** The forward with layout `v` (our kernel) or tfjs's conv2d. */
export function convForward(
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  s: ConvShape,
  v: ForwardVariant | 'tfjs' = forwardChoice(s),
): tf.Tensor4D {
  if (v === 'tfjs') {
    return tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, s.stride, s.pad);
  }
  const y = emptyTensor<tf.Rank.R4>([s.n, s.oh, s.ow, s.co]);
  const invocations = (s.n * s.oh * s.ow * s.co) / (v.tile * v.pix);
  dispatch({
    code: forwardSource(s, v),
    bindings: [x, filter, y],
    uniforms: [],
    workgroups: [Math.max(1, Math.min(16384, Math.ceil(invocations / v.wg)))],
  });
  return y;
}

/** Pass 2 of one filter gradient on its own: dw = sum over chunks of `partial`. */
function sumNow(partial: tf.Tensor, dw: tf.TensorInfo, weights: number, chunks: number): void {
  launch(
    memo(`s${weights},${chunks}`, () => filterGradSumCode(weights, chunks)),
    [partial, dw],
    weights,
  );
  // Bound by the dispatch above, so its buffer is reused only after those commands run.
  partial.dispose();
}

/**
 * Input gradient (unless `inputGrad` is false) and filter gradient in one launch, laid out as
 * `v`; the filter gradient's second pass joins `batch` when one collects, else runs at once.
 */
export function convBackward(
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  s: ConvShape,
  inputGrad: boolean,
  batch: FilterGradBatch | null,
  v: BackwardVariant = backwardChoice(s, inputGrad),
): { dx: tf.Tensor4D | null; dw: tf.Tensor4D } {
  const weights = s.k * s.k * s.ci * s.co;
  const { chunks } = filterGradChunks(s);
  const dw = emptyTensor<tf.Rank.R4>([s.k, s.k, s.ci, s.co]);
  const partial = chunks === 1 ? dw : emptyTensor<tf.Rank.R1>([chunks * weights]);
  const dx = inputGrad ? emptyTensor<tf.Rank.R4>([s.n, s.h, s.w, s.ci]) : null;
  const [dxInv, dwInv] = backwardInvocations(s, inputGrad, v);
  dispatch({
    code: backwardSource(s, inputGrad, v),
    bindings: dx
      ? [x, dy, partial, filter, dx, ...(dyName(s) === 'dy4' ? [dy] : [])]
      : [x, dy, partial],
    uniforms: [],
    workgroups: [(dxInv > 0 ? groupsOf(dxInv, v.wg) : 0) + groupsOf(dwInv, v.wg)],
  });
  if (partial !== dw) {
    if (batch) batch.defer(partial, dw, weights, chunks);
    else sumNow(partial, dw, weights, chunks);
  }
  return { dx, dw };
}

/** The second passes of many filter gradients as one launch: dw[seg.out + j] = sum_c partial. */
const BATCHED_SUM_WGSL = /* wgsl */ `
struct Seg { partial: u32, out: u32, weights: u32, chunks: u32 }
@group(0) @binding(0) var<storage, read> partial: array<f32>;
@group(0) @binding(1) var<storage, read> segs: array<Seg>;
@group(0) @binding(2) var<storage, read_write> dw: array<f32>;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let seg = segs[gid.y];
  for (var j = gid.x; j < seg.weights; j = j + nwg.x * ${WG}u) {
    var a = 0.0;
    for (var c = 0u; c < seg.chunks; c = c + 1u) { a = a + partial[seg.partial + c * seg.weights + j]; }
    dw[seg.out + j] = a;
  }
}`;

interface Deferred {
  partial: tf.Tensor;
  dw: tf.TensorInfo;
  weights: number;
  chunks: number;
}

/**
 * Collects the filter gradients' second passes of a whole backward pass and runs them as one
 * launch (issue 16: "filter gradients ... batched into one launch"): the partial sums are
 * copied into one buffer, summed by one dispatch into one flat buffer, and copied into each
 * filter's gradient tensor. Copies are no dispatches. `flush` must run before anything reads
 * those gradients: a filter used by more than one conv (its gradient added up by tfjs) is
 * therefore summed at once, never deferred.
 */
export class FilterGradBatch {
  private pending: Deferred[] = [];
  private uses = new Map<object, number>();
  private partials: GPUBuffer | null = null;
  private flat: GPUBuffer | null = null;
  private table: GPUBuffer | null = null;
  private tableLayout: number[] = [];

  /** Called by `collectFilterGrads` as it starts. */
  begin(): void {
    this.uses.clear();
  }

  /** Forward: counts the convs that read `filter` (see the class comment). */
  noteUse(filter: tf.TensorInfo): void {
    this.uses.set(filter.dataId, (this.uses.get(filter.dataId) ?? 0) + 1);
  }

  sharedFilter(filter: tf.TensorInfo): boolean {
    return (this.uses.get(filter.dataId) ?? 0) > 1;
  }

  defer(partial: tf.Tensor, dw: tf.TensorInfo, weights: number, chunks: number): void {
    // Kept: tfjs runs a gradient function in a tidy, which would dispose it before `flush`.
    this.pending.push({ partial: tf.keep(partial), dw, weights, chunks });
  }

  /** Sums every deferred filter gradient: one dispatch. */
  flush(): void {
    const list = this.pending;
    this.pending = [];
    if (list.length === 0) return;
    const layout: number[] = [];
    let partialFloats = 0;
    let outFloats = 0;
    let widest = 0;
    for (const d of list) {
      layout.push(partialFloats, outFloats, d.weights, d.chunks);
      partialFloats += d.weights * d.chunks;
      outFloats += d.weights;
      widest = Math.max(widest, d.weights);
    }
    const device = deviceOf();
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    this.partials = ensureCapacity(device, this.partials, partialFloats * 4, usage);
    this.flat = ensureCapacity(device, this.flat, outFloats * 4, usage);
    if (!sameNumbers(layout, this.tableLayout)) {
      // A new table rather than a write into the old one: commands recorded earlier may still
      // bind the old one (it is dropped, and freed when collected).
      this.table = device.createBuffer({
        size: layout.length * 4,
        usage: GPUBufferUsage.STORAGE,
        mappedAtCreation: true,
      });
      new Uint32Array(this.table.getMappedRange()).set(layout);
      this.table.unmap();
      this.tableLayout = layout;
    }
    const partials = this.partials;
    const flat = this.flat;
    copies(
      list.map((d, i) => ({
        src: bufferOf(d.partial),
        srcOffset: 0,
        dst: partials,
        dstOffset: layout[4 * i]! * 4,
        bytes: d.weights * d.chunks * 4,
      })),
    );
    dispatch({
      code: BATCHED_SUM_WGSL,
      bindings: [partials, this.table!, flat],
      uniforms: [],
      workgroups: [Math.min(64, Math.ceil(widest / WG)), list.length],
    });
    copies(
      list.map((d, i) => ({
        src: flat,
        srcOffset: layout[4 * i + 1]! * 4,
        dst: bufferOf(d.dw),
        dstOffset: 0,
        bytes: d.weights * 4,
      })),
    );
    markInFlight(list.flatMap((d) => [d.partial, d.dw]));
    for (const d of list) d.partial.dispose();
  }

  dispose(): void {
    for (const d of this.pending) d.partial.dispose();
    this.pending = [];
    submitPending();
    this.partials?.destroy();
    this.flat?.destroy();
    this.table?.destroy();
  }
}

let collecting: FilterGradBatch | null = null;

/** Runs `f` (forward and backward of a step) with `batch` collecting; `batch.flush()` after. */
export function collectFilterGrads<T>(batch: FilterGradBatch, f: () => T): T {
  const outer = collecting;
  collecting = batch;
  batch.begin();
  try {
    return f();
  } finally {
    collecting = outer;
  }
}

function sameNumbers(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** `buffer` if it holds `bytes`, else a new one (the old one destroyed after a submit). */
function ensureCapacity(
  device: GPUDevice,
  buffer: GPUBuffer | null,
  bytes: number,
  usage: number,
): GPUBuffer {
  if (buffer && buffer.size >= bytes) return buffer;
  if (buffer) {
    submitPending();
    buffer.destroy();
  }
  return device.createBuffer({ size: Math.max(16, bytes), usage });
}

/**
 * conv2d(x, filter, stride, pad) as tfjs computes it, differentiable in both. With
 * `inputGrad: false` (the stem, whose input is the image) the input's gradient is not
 * computed: nothing upstream needs it. Inside `collectFilterGrads`, the filter
 * gradient's second pass waits for the batch's `flush`.
 */
export function conv2dFused(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  stride: number,
  pad: number,
  inputGrad = true,
): tf.Tensor4D {
  const s = convShape(x.shape, filter.shape, stride, pad);
  const batch = collecting;
  batch?.noteUse(filter);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const [xi, fi] = args as [tf.Tensor4D, tf.Tensor4D];
    save([xi, fi]);
    return {
      value: convForward(xi, fi, s),
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [sx, sf] = saved as [tf.Tensor4D, tf.Tensor4D];
        const deferTo = batch && !batch.sharedFilter(sf) ? batch : null;
        const { dx, dw } = convBackward(sx, dy, sf, s, inputGrad, deferTo);
        // The stem's input is the image: nothing reads its gradient, so it is left unwritten
        // (tfjs needs a tensor of the right shape; an empty one costs no dispatch).
        return [dx ?? emptyTensor<tf.Rank.R4>(sx.shape), dw];
      },
    };
  });
  return op(x, filter) as tf.Tensor4D;
}
