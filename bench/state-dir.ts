/** A state directory for a server a benchmark starts: its own, removed when the benchmark ends. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function benchStateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vpp-rpc-bench-state-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
