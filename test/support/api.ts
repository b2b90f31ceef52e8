/**
 * The VPP API model, codec and error table of proto/, loaded once per test
 * process. Parsing every proto takes a test process seconds of CPU:
 * scripts/run-tests.ts caches the model of proto/ once for the whole run
 * (VPP_RPC_TEST_PROTO_CACHE, made with the code under test, under the hash of
 * the protos), and a process that has it reads it instead.
 */
import { loadErrorTable, type VppErrorTable } from '../../vpp/api/errors.ts';
import { PROTO_CACHE_ENV } from '../../scripts/test-proto-cache.ts';
import { loadModel, loadProtoDir } from '../../vpp/api/load-proto.ts';
import type { ApiModel } from '../../vpp/api/model.ts';
import { createCodec, type Codec } from '../../vpp/codec/index.ts';
import { PROTO_DIR } from './paths.ts';

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
