import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { API_DIR, PROTO_DIR } from '../../test/support/paths.ts';
import { loadApiDir } from './load-json.ts';
import { cacheText, protoDirHash } from '../../lib/protobuf/proto-index.ts';
import { loadErrorTable } from './errors.ts';
import { errorsCache, loadModel, loadProtoDir, loadProtoIndex, modelCache, writeProtoCaches } from './load-proto.ts';

/** Comments are documentation, not layout: the protos carry them as comments only. */
function withoutComments(modules: unknown): unknown {
  return JSON.parse(JSON.stringify(modules, (k, v: unknown) => (k === 'comment' ? undefined : v)));
}

/** every proto parsed, once for the file */
const parsed = loadProtoDir(PROTO_DIR);

describe('the model read back from proto/', () => {
  const fromJson = loadApiDir(API_DIR);
  const fromProto = parsed.model;

  it('equals the model read from the .api.json files', () => {
    assert.deepEqual(withoutComments(fromProto.modules), withoutComments(fromJson.modules));
  });

  it('keeps the details that matter on the wire', () => {
    assert.equal(fromProto.messages.get('ip_route_add_del')?.crc, '0xb8ecfe0d');
    assert.equal(fromProto.types.get('lb_nat_protocol')?.kind, 'enum');
    const lb = fromProto.types.get('lb_nat_protocol');
    assert.ok(lb?.kind === 'enum' && lb.values.some((v) => v.value === 4294967295));
    const route = fromProto.types.get('ip_route');
    assert.ok(route?.kind === 'typedef');
    assert.deepEqual(
      route.fields.map((f) => f.name),
      ['table_id', 'stats_index', 'prefix', 'n_paths', 'paths'],
    );
  });

  it('fails with the file name on a broken proto', () => {
    assert.throws(() => loadProtoDir('/nonexistent'), /no generated protos in \/nonexistent\/vpp/);
  });
});

describe('the model and services cached by make build', () => {
  it('are those parsed from the protos, and are read back only for the same protos', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'vpp-rpc-model-cache-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    writeProtoCaches(PROTO_DIR, dir);
    const cached = loadProtoIndex(PROTO_DIR, dir);
    // from the cache: no type parsed yet
    assert.throws(() => cached.types.type('vpp/vpe.proto', 'vpp.vpe.Missing'), /no such type/);
    assert.deepEqual(cached.model, parsed.model);
    assert.deepEqual(loadModel(PROTO_DIR, dir), parsed.model);
    assert.equal(
      cached.services.reduce((n, s) => n + s.methods.length, 0),
      1029 + 9, // VPP's, and vpprpc.Batch's 1, vpprpc.Stats's 4 and vpprpc.Journal's 4
    );
    const errors = loadErrorTable(PROTO_DIR);
    assert.ok(errors.size > 100);
    assert.deepEqual(cached.errors, errors);
    // a cache of other protos is not used: the protos are parsed
    writeFileSync(modelCache(dir), JSON.stringify({ hash: 'other', value: [] }));
    assert.deepEqual(loadModel(PROTO_DIR, dir), parsed.model);
    writeFileSync(errorsCache(dir), JSON.stringify({ hash: 'other', value: [] }));
    assert.deepEqual(loadProtoIndex(PROTO_DIR, dir).errors, errors);
    // and one of the same protos is: the error table comes from it
    const mine = [{ retval: -1, symbol: 'CACHED', text: 'from the cache' }];
    writeFileSync(errorsCache(dir), cacheText(protoDirHash(PROTO_DIR), mine));
    assert.equal(loadProtoIndex(PROTO_DIR, dir).errors.describe(-1).symbol, 'CACHED');
  });
});
