/**
 * The project's TypeScript, translated to JavaScript once for a test run, so that the test
 * processes run with plain node instead of each loading tsx.
 *
 * Why: tsx costs every process about 0.45 CPU-s before it runs a line (its loader thread and
 * its own code), and a test run starts some 130 test processes on 2 cores. esbuild translates
 * the whole tree (some 600 files) in about a second.
 *
 * The files keep their layout below a folder of dist/ of their own for the run, so that
 * packages resolve from the project's node_modules as before. What a module computes from its
 * own location (`import.meta.url`, `import.meta.dirname`) stays that of its source: paths to
 * fixtures, the project root and the processes' entry points are as under tsx. Imports of `.ts`
 * files are rewritten to the `.js` files beside them.
 */
import { build, type Plugin } from 'esbuild';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIST_DIR, PROJECT_ROOT } from '../lib/project.ts';
import { filesBelow } from './source-files.ts';

const META = /\bimport\.meta\.(url|dirname|filename)\b/g;

/**
 * Each file translated alone: every import it makes stays an import, of a package as it was, of
 * a `.ts` file as of the `.js` beside it. esbuild finds the imports in the syntax tree, so a
 * string that only looks like one (a test's lint input) is left alone.
 */
const fileByFile: Plugin = {
  name: 'file-by-file',
  setup(b) {
    b.onResolve({ filter: /.*/ }, ({ path, kind }) => {
      if (kind === 'entry-point') return undefined;
      return { path: /^\.{1,2}\//.test(path) ? path.replace(/\.ts$/, '.js') : path, external: true };
    });
  },
};

/**
 * Each module's own location as its source's. The replacement is textual: a string that holds
 * the words `import.meta.url` would change too (none of the sources has one that runs in a test).
 */
const sourceLocations: Plugin = {
  name: 'source-locations',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async ({ path }) => {
      const text = await readFile(path, 'utf8');
      const meta = { url: pathToFileURL(path).href, dirname: dirname(path), filename: path };
      let used = false;
      const contents = text.replace(META, (_m, key: keyof typeof meta) => {
        used = true;
        return `__source.${key}`;
      });
      if (!used) return { contents, loader: 'ts' };
      // a module-level constant, on the first line (after a #! line) so that line numbers hold
      const at = contents.startsWith('#!') ? contents.indexOf('\n') + 1 : 0;
      const header = `const __source = ${JSON.stringify(meta)}; `;
      return { contents: contents.slice(0, at) + header + contents.slice(at), loader: 'ts' };
    });
  },
};

export interface CompiledTree {
  /** the JavaScript that a source of the project (a path relative to its root) became */
  jsOf(file: string): string;
  remove(): void;
}

/** Translate every .ts of the project into a new folder of dist/, removed by `remove()`. */
export async function compileTree(): Promise<CompiledTree> {
  mkdirSync(join(DIST_DIR, 'tests'), { recursive: true });
  const out = mkdtempSync(join(DIST_DIR, 'tests', 'run-'));
  await build({
    entryPoints: filesBelow(PROJECT_ROOT, (name) => name.endsWith('.ts') && !name.endsWith('.d.ts')),
    outbase: PROJECT_ROOT,
    outdir: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'inline',
    plugins: [fileByFile, sourceLocations],
    logLevel: 'warning',
  });
  return {
    jsOf: (file) => join(out, relative(PROJECT_ROOT, resolve(file)).replace(/\.ts$/, '.js')),
    remove: () => rmSync(out, { recursive: true, force: true }),
  };
}
