/**
 * README.md's map of the folders matches the tree: every folder of src/ and every top-level
 * folder of the repository in git is on the map, and every folder on the map exists.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALLOWED_IMPORTS } from './importDirection.js';

const root = join(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const map = /## Map of the folders\n\n```\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';

/** The names on the map: top-level lines ("tools/"), and src/'s lines (indented by two). */
function mapped(indent: string): string[] {
  return [...map.matchAll(new RegExp(`^${indent}(\\S+?)/?\\s`, 'gm'))].map((m) => m[1]!);
}

describe("README's map of the folders", () => {
  it('lists every folder of src/, and nothing that is not there', () => {
    const onMap = mapped('  ').sort();
    const folders = readdirSync(join(root, 'src'))
      .filter((f) => statSync(join(root, 'src', f)).isDirectory())
      .concat('main.tsx')
      .sort();
    expect(onMap).toEqual(folders);
    // ...and the import rule knows each of them.
    expect(Object.keys(ALLOWED_IMPORTS).sort()).toEqual(folders.filter((f) => f !== 'main.tsx'));
  });

  it('lists every top-level folder in git, and each one it lists exists', () => {
    const top = mapped('').filter((f) => f !== 'src');
    for (const f of top) expect(existsSync(join(root, f)), f).toBe(true);
    const tracked = new Set(
      execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' })
        .split('\n')
        .filter((p) => p.includes('/') && !p.startsWith('.'))
        .map((p) => p.split('/')[0]!),
    );
    expect([...tracked].filter((f) => f !== 'src').sort()).toEqual(top.sort());
  });
});
