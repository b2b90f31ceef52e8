import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { BatchCodec } from '../../lib/grpc/batch-client.ts';
import { compileBinary } from '../../lib/protobuf/index.ts';
import { PROTO_DIR } from '../../test/support/paths.ts';
import { loadProtoDir } from '../../vpp/api/load-proto.ts';
import { BatchItems, type ResolvedItem } from './items.ts';
import { refusedRpcs } from '../security/policy.ts';
import { buildRpcTable } from '../rpcs.ts';

const { root, model } = loadProtoDir(PROTO_DIR);
const rpcs = buildRpcTable(root, model);
const refused = refusedRpcs({ readOnly: false, allow: [], deny: ['Interface/CreateLoopback'] }, rpcs);
const items = new BatchItems(root, rpcs, refused);
const codec = new BatchCodec(root);
const showVersion = compileBinary(root.lookupType('vpp.vpe.ShowVersionReply'));

const resolve = (bytes: Buffer): ResolvedItem => {
  const out: ResolvedItem = { id: 0, rpc: undefined, request: undefined, requestBytes: undefined, failure: undefined };
  items.resolve(bytes, out);
  return out;
};

describe('BatchItems', () => {
  it('the table leaves out the Batch service itself and names every VPP RPC three ways', () => {
    assert.ok(!rpcs.some((r) => r.service.startsWith('vpprpc')));
    for (const rpc of ['Vpe/ShowVersion', 'vpp.vpe.Vpe/ShowVersion', '/vpp.vpe.Vpe/ShowVersion'])
      assert.equal(resolve(codec.encode({ id: 3, rpc })).rpc?.method, 'ShowVersion');
  });

  it('finds the RPC from the type URL alone and keeps the id', () => {
    const r = resolve(codec.encode({ id: 2n ** 63n, type: 'vpp.vpe.ShowVersion', value: Buffer.alloc(0) }));
    assert.equal(r.failure, undefined);
    assert.equal(r.rpc?.path, '/vpp.vpe.Vpe/ShowVersion');
    assert.equal(r.id, 2n ** 63n);
  });

  it('answers what it cannot serve with precise codes', () => {
    const cases: [Buffer, number, RegExp][] = [
      [Buffer.from([0xff]), status.INVALID_ARGUMENT, /not a vpprpc.BatchRequest/],
      [codec.encode({ rpc: 'Vpe/Nope' }), status.UNIMPLEMENTED, /no such RPC/],
      [codec.encode({ rpc: 'Interface/SwInterfaceDump' }), status.UNIMPLEMENTED, /is a dump/],
      [codec.encode({ rpc: 'Interface/WantInterfaceEvents' }), status.UNIMPLEMENTED, /event subscription/],
      [codec.encode({ rpc: 'Interface/CreateLoopback' }), status.PERMISSION_DENIED, /./],
      [codec.encode({ type: 'x', value: Buffer.alloc(0) }), status.INVALID_ARGUMENT, /no RPC takes x/],
      [codec.encode({ id: 1 }), status.INVALID_ARGUMENT, /names no RPC/],
    ];
    for (const [bytes, code, message] of cases) {
      const r = resolve(bytes);
      assert.equal(r.failure?.code, code, String(message));
      assert.match(r.failure!.message, message);
    }
  });

  it('encodes replies as Any of the reply type, errors as google.rpc.Status with details', () => {
    const rpc = rpcs.find((r) => r.path === '/vpp.vpe.Vpe/ShowVersion')!;
    const a = codec.decode(items.reply(5n, rpc, { retval: 0, program: 'vpe' }));
    assert.equal(a.id, 5n);
    assert.equal(a.reply?.type, 'vpp.vpe.ShowVersionReply');
    assert.equal(showVersion.decode(a.reply!.value).program, 'vpe');
    const denied = resolve(codec.encode({ rpc: 'Interface/CreateLoopback' })).failure!;
    const e = codec.decode(items.error(6n, denied));
    assert.equal(e.error?.code, status.PERMISSION_DENIED);
    assert.ok(e.error?.details.some((d) => d.type_url.endsWith('google.rpc.ErrorInfo')));
  });
});
