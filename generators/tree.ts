/** Write or compare a whole generated folder, so files of removed modules disappear too. */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/** Every file below root: a generated folder holds nothing else. */
function listFiles(root: string): string[] {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(root, p));
    }
  };
  walk(root);
  return out.sort();
}

export function writeTree(root: string, files: Map<string, string>): void {
  for (const old of listFiles(root)) if (!files.has(old)) rmSync(join(root, old));
  for (const [path, content] of files) {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    if (!existsSync(full) || readFileSync(full, 'utf8') !== content) writeFileSync(full, content);
  }
}

/** Number of files that differ, are missing or are extra; each is printed. */
export function checkTree(root: string, files: Map<string, string>): number {
  let stale = 0;
  for (const [path, content] of files) {
    const full = join(root, path);
    if (!existsSync(full)) console.error(`missing: ${join(root, path)}`);
    else if (readFileSync(full, 'utf8') !== content) console.error(`differs: ${join(root, path)}`);
    else continue;
    stale++;
  }
  for (const old of listFiles(root))
    if (!files.has(old)) {
      console.error(`not generated: ${join(root, old)}`);
      stale++;
    }
  return stale;
}
