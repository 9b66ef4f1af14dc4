/**
 * NetworkSpec: the one serializable description of a network. The editor edits it; pure
 * functions turn it into a tfjs model, parameter counts, path lengths and a PyTorch export.
 * Keep it plain JSON (it travels in URLs, IndexedDB and worker messages).
 *
 * Streams: a block of kind `mergeAndRun` or `identity` with K branches works on K streams;
 * `residual` and `inception` work on one. Where the stream count changes between blocks,
 * K streams become one by averaging, and one stream becomes K by copying (as conv0's output
 * feeds both streams of a DMRNet). A `mergeAndRun` block with `fuse: true` outputs one stream
 * (the authors' last block: x' = ReLU(m + sum_i H_i(x_i))).
 */

export type BlockKind = 'residual' | 'inception' | 'mergeAndRun' | 'identity';

export interface BlockSpec {
  kind: BlockKind;
  /** K: branches (inception) or streams (mergeAndRun, identity). 1 for residual. */
  branches: number;
  /** B: conv layers per branch (the paper uses 2). */
  layersPerBranch: number;
  /** mergeAndRun only: fuse the K streams into one (the authors' last block). */
  fuse?: boolean;
}

export interface StageSpec {
  /** Base width; the channel count is width x widen. */
  width: number;
  /** Stride of the stage's first block (1 for stage 1, 2 for stages 2 and 3). */
  stride: 1 | 2;
  blocks: BlockSpec[];
}

export interface NetworkSpec {
  /** Schema version: bump with a migration when the shape changes. */
  version: 1;
  name: string;
  input: { height: number; width: number; channels: number };
  classes: number;
  /** conv0's base width; its channel count is stemWidth x widen. */
  stemWidth: number;
  widen: number;
  stages: StageSpec[];
  /**
   * Table 5: for identity networks, "full" shares conv0 and the classifier between the K
   * streams; "none" gives each stream its own conv0 and classifier and averages the logits.
   * Table 5 also compares merge-and-run networks without sharing: "none" is allowed when every
   * block is identity or merge-and-run with the same K and none fuses (validateSpec checks it).
   * With "full", streams still separate after the last block are averaged before pooling.
   */
  sharing: 'full' | 'none';
}
