/**
 * Runs the test files with node:test.
 *   npm test               every *.test.ts
 *   npm test -- unit       tests beside the code (not under test/)
 *   npm test -- e2e        end-to-end tests under test/
 *   npm test -- <path…>    the given files or folders
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const SKIP = new Set(['node_modules', 'dist', 'scratch', '.git', 'proto', 'openapi'].map((d) => join('.', d)));

function find(dir: string): string[] {
  if (statSync(dir).isFile()) return [dir];
  const out: string[] = [];
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (SKIP.has(p) || e === 'node_modules') continue;
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (e.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const args = process.argv.slice(2);
let files: string[];
if (args.length === 0) files = find('.');
else if (args[0] === 'unit') files = find('.').filter((f) => !f.startsWith('test/'));
else if (args[0] === 'e2e') files = find('test');
else files = args.flatMap(find);

if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], {
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
