/**
 * The model of proto/ cached once for a whole test run: scripts/run-tests.ts makes it, under
 * the hash of the protos, and names its folder in VPP_RPC_TEST_PROTO_CACHE; each test process
 * reads it (test/support/api.ts) instead of parsing every proto again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PROTO_DIR } from '../lib/project.ts';
import { writeProtoCaches } from '../vpp/api/load-proto.ts';

export const PROTO_CACHE_ENV = 'VPP_RPC_TEST_PROTO_CACHE';

/** The cache of proto/ for a test run, in a new temporary folder; `remove` when the run ends. */
export function protoCacheForRun(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'vpp-rpc-test-protos-'));
  writeProtoCaches(DEFAULT_PROTO_DIR, dir);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
