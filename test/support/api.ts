/**
 * The VPP API model, codec and error table of proto/, loaded once per test
 * process. Parsing every proto takes a test process seconds of CPU:
 * scripts/run-tests.ts caches the model of proto/ once for the whole run
 * (VPP_RPC_TEST_PROTO_CACHE, made with the code under test, under the hash of
 * the protos), and a process that has it reads it instead.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadErrorTable, type VppErrorTable } from '../../vpp/api/errors.ts';
import { loadModel, loadProtoDir, writeProtoCaches } from '../../vpp/api/load-proto.ts';
import type { ApiModel } from '../../vpp/api/model.ts';
import { createCodec, type Codec } from '../../vpp/codec/index.ts';
import { PROTO_DIR } from './paths.ts';

export const PROTO_CACHE_ENV = 'VPP_RPC_TEST_PROTO_CACHE';

export interface Api {
  model: ApiModel;
  codec: Codec;
  errors: VppErrorTable;
}

let api: Api | undefined;

export function loadApi(): Api {
  if (!api) {
    const cache = process.env[PROTO_CACHE_ENV];
    // a cache that does not match the protos is not read: loadModel parses them
    const model = cache ? loadModel(PROTO_DIR, cache) : loadProtoDir(PROTO_DIR).model;
    api = { model, codec: createCodec(model), errors: loadErrorTable(PROTO_DIR) };
  }
  return api;
}

/** The cache of proto/ for a test run, in a new temporary folder; `remove` when the run ends. */
export function protoCacheForRun(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'vpp-rpc-test-protos-'));
  writeProtoCaches(PROTO_DIR, dir);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
