/**
 * The dependency rule, checked by ESLint: a file of a folder below may import
 * only from the folders listed for it (docs/ARCHITECTURE.md, "Dependencies").
 * Folders not listed (test/, bench/, bin/, the root) may import anything.
 *
 * The rule resolves each relative import against the importing file, so a
 * move of either side is judged by where the code lands, not by how the
 * import is spelled. Type-only imports count: they couple the code as much.
 */
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** folder → the folders its code may import (its own first); a file follows the longest folder that holds it */
export const LAYERS = {
  lib: ['lib'],
  'vpp/api': ['vpp/api', 'lib'],
  'vpp/codec': ['vpp/codec', 'vpp/api', 'lib'],
  'vpp/client': ['vpp/client', 'vpp/codec', 'vpp/api', 'lib'],
  'vpp/stats': ['vpp/stats', 'lib'],
  'vpp/sim': ['vpp/sim', 'vpp/stats', 'vpp/codec', 'vpp/api', 'lib'],
  server: ['server', 'vpp', 'lib'],
  gateway: ['gateway', 'lib'],
  cli: ['cli', 'vpp', 'lib'],
  generators: ['generators', 'vpp/api', 'lib'],
  scripts: ['scripts', 'vpp', 'lib'],
  clients: ['clients'],
  examples: ['examples', 'clients'],
};

/** `a/b/c.ts` is inside `a` and `a/b`, not inside `a/bc` */
const inside = (path, folder) => path === folder || path.startsWith(`${folder}/`);

function layerOf(path) {
  let best;
  for (const folder of Object.keys(LAYERS))
    if (inside(path, folder) && (!best || folder.length > best.length)) best = folder;
  return best;
}

/**
 * What a file may import: its layer's folders; a test beside the code may
 * also use test/ (the shared test support) and the whole of its top folder
 * (a vpp/stats test drives the reader with the simulator).
 */
function allowedFor(path, layer) {
  const allowed = [...LAYERS[layer]];
  if (path.endsWith('.test.ts')) allowed.push('test', path.split('/')[0]);
  return allowed;
}

const projectPath = (absolute) => relative(ROOT, absolute).split(sep).join('/');

/** @type {import('eslint').Rule.RuleModule} */
const layers = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports follow the dependency rule of docs/ARCHITECTURE.md' },
    schema: [],
    messages: {
      forbidden:
        '{{file}} may not import {{target}}: {{layer}}/ imports only {{allowed}} (docs/ARCHITECTURE.md, "Dependencies")',
    },
  },
  create(context) {
    const file = projectPath(context.filename);
    if (file.startsWith('..')) return {};
    const layer = layerOf(file);
    if (!layer) return {};
    const allowed = allowedFor(file, layer);
    const check = (source) => {
      if (!source || typeof source.value !== 'string' || !source.value.startsWith('.')) return;
      const target = projectPath(resolve(dirname(context.filename), source.value));
      if (target.startsWith('..') || allowed.some((folder) => inside(target, folder))) return;
      context.report({
        node: source,
        messageId: 'forbidden',
        data: { file, target, layer, allowed: allowed.map((f) => `${f}/`).join(', ') },
      });
    };
    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
      TSImportType: (node) => check(node.argument?.literal ?? node.source),
    };
  },
};

export default { rules: { layers } };
