/**
 * The gateway's hand-laid Batch messages against the compiled codecs of
 * proto/vpprpc/batch.proto: what it writes they read, what they write it
 * reads, 64-bit ids and negative status codes included.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameReader } from '../../lib/grpc/wire.ts';
import { compileBinary, loadServiceRoot } from '../../lib/protobuf/index.ts';
import { PROTO_DIR } from '../../test/support/paths.ts';
import { batchRequestFrame, batchTarget, decodeBatchReply, optionsField } from './wire.ts';

const root = loadServiceRoot(PROTO_DIR, ['vpprpc/batch.proto']);
const BatchRequest = compileBinary(root.lookupType('vpprpc.BatchRequest'));
const BatchReply = compileBinary(root.lookupType('vpprpc.BatchReply'));

/** The one message of a frame. */
function unframe(frame: Buffer): Buffer {
  const messages = new FrameReader(1 << 20).push(frame);
  assert.equal(messages.length, 1);
  return messages[0]!;
}

const target = batchTarget('vpp.ip.Ip/IpRouteAddDel', 'vpp.ip.IpRouteAddDel');

describe('Batch messages on the wire', () => {
  it('writes BatchRequests the compiled codec reads, ids up to 2^53 - 1 and long values included', () => {
    for (const id of [0, 1, 127, 128, 2 ** 32 - 1, 2 ** 32, 2 ** 35 + 1, 2 ** 53 - 1])
      for (const request of [Buffer.alloc(0), Buffer.from([8, 1]), Buffer.alloc(300, 9)]) {
        const v = BatchRequest.decode(unframe(batchRequestFrame(id, target, request)));
        assert.deepEqual(
          v,
          BatchRequest.decode(
            BatchRequest.encode({
              id: BigInt(id),
              rpc: 'vpp.ip.Ip/IpRouteAddDel',
              request: { type_url: 'type.googleapis.com/vpp.ip.IpRouteAddDel', value: request },
            }),
          ),
          `id ${id}, ${request.length}-byte request`,
        );
      }
  });

  it('writes the options the compiled codec reads, and none when all are defaults', () => {
    assert.equal(optionsField({ stopOnError: false, window: 0 }), undefined);
    for (const options of [
      { stopOnError: true, window: 0 },
      { stopOnError: false, window: 4096 },
      { stopOnError: true, window: 0xffffffff },
    ]) {
      const v = BatchRequest.decode(unframe(batchRequestFrame(1, target, Buffer.alloc(0), optionsField(options))));
      const expected = { options: { stop_on_error: options.stopOnError, window: options.window } };
      assert.deepEqual(v.options, BatchRequest.decode(BatchRequest.encode(expected)).options);
    }
  });

  it('reads replies and errors the compiled codec writes, ids past 2^35 and negative codes included', () => {
    for (const id of [0, 5, 2 ** 35 + 1, 2 ** 40, 2 ** 53 - 1]) {
      const reply = BatchReply.encode({
        id: BigInt(id),
        reply: { type_url: 'type.googleapis.com/vpp.ip.IpRouteAddDelReply', value: Buffer.from([0x10, 7]) },
      });
      assert.deepEqual(decodeBatchReply(reply), { id, reply: Buffer.from([0x10, 7]) }, `id ${id}`);
      for (const code of [5, -1]) {
        const error = BatchReply.encode({ id: BigInt(id), error: { code, message: 'no such route' } });
        assert.deepEqual(decodeBatchReply(error), { id, error: { code, message: 'no such route', details: [] } });
      }
    }
    // a reply with no value: the empty message
    assert.deepEqual(decodeBatchReply(BatchReply.encode({ id: 3n, reply: { type_url: 'x' } })), {
      id: 3,
      reply: new Uint8Array(),
    });
  });

  it('throws on a reply that is not a BatchReply', () => {
    assert.throws(() => decodeBatchReply(Buffer.from([0x08])), /runs past the end/);
    assert.throws(() => decodeBatchReply(Buffer.from([0x12, 0x05, 0x12, 0x09])), /runs past the end/);
  });
});
