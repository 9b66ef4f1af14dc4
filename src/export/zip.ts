/** The exported project as one .zip (fflate), every file under one folder. */
import { strToU8, zipSync, type Zippable } from 'fflate';
import type { ExportFile } from './project';

export function zipProject(files: readonly ExportFile[], folder: string): Uint8Array {
  const tree: Zippable = {};
  for (const f of files) {
    tree[`${folder}/${f.path}`] = typeof f.contents === 'string' ? strToU8(f.contents) : f.contents;
  }
  return zipSync(tree, { level: 6 });
}
