/**
 * Which file runs a process: its compiled JavaScript in dist/ (`make build`),
 * as users run it, while that build is as new as the sources; else the
 * TypeScript source through tsx, so a changed source is never run stale.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DIST_DIR, PROJECT_ROOT } from './project.ts';

/** What `make build` bundles from (scripts/build.ts) and the stamp it touches when done. */
export const BUILT_SOURCES = ['cli', 'lib', 'vpp', 'server', 'gateway', 'scripts/run.ts', 'scripts/build.ts'];
export const BUILD_STAMP = join(DIST_DIR, '.stamp');

function newestSource(path: string): number {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return path.endsWith('.ts') && !path.endsWith('.test.ts') ? st.mtimeMs : 0;
  let newest = 0;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestSource(join(path, name)));
  return newest;
}

let fresh: boolean | undefined;

/** The build is at least as new as every source it compiles (checked once per process). */
export function buildIsFresh(): boolean {
  if (fresh === undefined) {
    const built = statSync(BUILD_STAMP, { throwIfNoEntry: false })?.mtimeMs ?? 0;
    fresh = built > 0 && BUILT_SOURCES.every((p) => newestSource(join(PROJECT_ROOT, p)) <= built);
  }
  return fresh;
}

/** node's arguments to run `entry` (a source below the project root, e.g. `server/main.ts`). */
export function entryArgs(entry: string): string[] {
  const js = join(DIST_DIR, entry.replace(/\.ts$/, '.js'));
  const source = join(PROJECT_ROOT, entry);
  // an installed package or image holds only the build: nothing to compare it with
  if (existsSync(js) && (!existsSync(source) || buildIsFresh())) return [js];
  return ['--import', 'tsx', source];
}
