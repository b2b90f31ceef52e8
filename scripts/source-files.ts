/** The project's own files, as the test run finds them: its test files, the TypeScript it translates. */
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../lib/project.ts';

/** folders of the project root that hold no source of its own */
const NOT_SOURCES = new Set(['dist', 'scratch', '.git', 'proto', 'openapi', '.cache', '.state']);

/**
 * `path` if it is a file, else every file below it whose name `keep` accepts, in name order.
 * node_modules is left out wherever it is, and so are the root's folders of no sources.
 */
export function filesBelow(path: string, keep: (name: string) => boolean): string[] {
  if (statSync(path).isFile()) return [path];
  const atRoot = resolve(path) === PROJECT_ROOT;
  const out: string[] = [];
  for (const name of readdirSync(path).sort()) {
    const p = join(path, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'node_modules' && !(atRoot && NOT_SOURCES.has(name))) out.push(...filesBelow(p, keep));
    } else if (keep(name)) out.push(p);
  }
  return out;
}
