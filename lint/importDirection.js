/**
 * ESLint rule `architecture/import-direction`: inside src/, each top-level folder may import
 * only the folders below it (README.md, "The map of folders"). Checks static imports, type
 * imports, re-exports, dynamic `import()` and `import('…').Type` alike, so a wrong import fails
 * `npm run lint` (and CI) instead of waiting for a review. Tests may also import any folder's
 * test-only helpers (`<folder>/testing/`). `new URL('…worker.ts', import.meta.url)` starts a
 * worker rather than importing it, and is not checked.
 */
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');

/** What each folder of src/ may import besides itself. Files at src/'s top (main.tsx): app. */
export const ALLOWED_IMPORTS = {
  app: ['ui', 'state', 'model'],
  ui: ['state', 'model'],
  // storage: the dataset panel lists, previews and deletes datasets in IndexedDB directly
  // (docs/data.md, "Who opens the dataset store"), and storedMarker.ts's localStorage marker.
  state: ['protocol', 'model', 'export', 'storage'],
  export: ['protocol', 'model'],
  train: ['protocol', 'model', 'data', 'storage'],
  data: ['protocol', 'model', 'storage'],
  storage: ['protocol', 'model'],
  protocol: ['model'],
  model: [],
};

/** The folder of src/ that `file` (absolute) is in; null outside src/. */
function folderOf(file) {
  const rel = relative(SRC, file);
  if (rel.startsWith('..') || rel === '' || resolve(SRC, rel) !== resolve(file)) return null;
  const parts = rel.split(sep);
  return parts.length === 1 ? 'app' : parts[0];
}

/** @type {import('eslint').Rule.RuleModule} */
const importDirection = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports inside src/ point one way (see README.md).' },
    schema: [],
    messages: {
      against:
        '{{file}} ({{from}}/) imports {{target}} ({{to}}/), against the direction of imports: {{from}}/ may import {{allowed}}.',
    },
  },
  create(context) {
    const file = resolve(context.filename);
    const from = folderOf(file);
    if (!from) return {};
    const allowed = ALLOWED_IMPORTS[from] ?? [];
    const isTest = /\.test\.tsx?$/.test(file);
    const check = (node, source) => {
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const targetPath = resolve(dirname(file), source);
      const to = folderOf(targetPath);
      if (!to || to === from || allowed.includes(to)) return;
      // Test-only helpers (`<folder>/testing/`: fakes, writers of the formats) serve any test.
      if (isTest && targetPath.split(sep).includes('testing')) return;
      context.report({
        node,
        messageId: 'against',
        data: {
          file: relative(resolve(SRC, '..'), file).split(sep).join('/'),
          from,
          target: source,
          to,
          allowed: allowed.length ? allowed.map((f) => `${f}/`).join(', ') : 'nothing else of src/',
        },
      });
    };
    const literal = (node) => (node && node.type === 'Literal' ? node.value : undefined);
    return {
      ImportDeclaration: (node) => check(node, literal(node.source)),
      ExportNamedDeclaration: (node) => check(node, literal(node.source)),
      ExportAllDeclaration: (node) => check(node, literal(node.source)),
      ImportExpression: (node) => check(node, literal(node.source)),
      // typescript-eslint 8 names the specifier `source` (older: `argument`, a literal type).
      TSImportType: (node) => {
        const spec = node.source ?? node.argument;
        check(node, literal(spec) ?? literal(spec?.literal));
      },
    };
  },
};

export default { rules: { 'import-direction': importDirection } };
