import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { googleProtoRoot } from '../google-protos.ts';
import { ProtoError } from '../protobuf/errors.ts';
import { decodeStatus, encodeStatus, type RpcStatus } from './status-details.ts';

const sample: RpcStatus = {
  code: 5,
  message: 'INVALID_SW_IF_INDEX: Invalid sw_if_index (retval -2)',
  details: [
    {
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: 'INVALID_SW_IF_INDEX',
      domain: 'vpp.fd.io',
      metadata: { retval: '-2', message: 'sw_interface_set_flags' },
    },
    {
      '@type': 'type.googleapis.com/google.rpc.BadRequest',
      field_violations: [{ field: 'route.paths[0].nh', description: 'not an IPv4 address: "1.2.3"' }],
    },
  ],
};

describe('google.rpc.Status details', () => {
  it('round-trips', () => {
    assert.deepEqual(decodeStatus(encodeStatus(sample)), sample);
  });

  it('is what Google’s own definitions read', () => {
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => join(googleProtoRoot(), target);
    root.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto'], { keepCase: true });
    const Status = root.lookupType('google.rpc.Status');
    const decoded = Status.toObject(Status.decode(encodeStatus(sample))) as {
      code: number;
      message: string;
      details: { type_url: string; value: Uint8Array }[];
    };
    assert.equal(decoded.code, 5);
    assert.equal(decoded.message, sample.message);
    const info = root
      .lookupType('google.rpc.ErrorInfo')
      .toObject(root.lookupType('google.rpc.ErrorInfo').decode(decoded.details[0]!.value));
    assert.deepEqual(info, {
      reason: 'INVALID_SW_IF_INDEX',
      domain: 'vpp.fd.io',
      metadata: { retval: '-2', message: 'sw_interface_set_flags' },
    });
    const BadRequest = root.lookupType('google.rpc.BadRequest');
    assert.deepEqual(BadRequest.toObject(BadRequest.decode(decoded.details[1]!.value)), {
      field_violations: [{ field: 'route.paths[0].nh', description: 'not an IPv4 address: "1.2.3"' }],
    });
    // and the other way round
    const bytes = Status.encode(Status.fromObject({ code: -1 >>> 0, message: 'x', details: [] })).finish();
    assert.equal(decodeStatus(bytes).message, 'x');
  });

  it('keeps details of other types as base64', () => {
    const s: RpcStatus = { code: 13, message: 'm', details: [{ '@type': 'type.googleapis.com/x.Y', value: 'AQID' }] };
    assert.deepEqual(decodeStatus(encodeStatus(s)), s);
  });

  it('reads int32 codes of any sign and skips fields it does not know, of any width', () => {
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => join(googleProtoRoot(), target);
    root.loadSync(['google/rpc/status.proto'], { keepCase: true });
    const Status = root.lookupType('google.rpc.Status');
    for (const code of [-1, -2147483648, 2147483647, 16]) {
      const bytes = Status.encode(Status.fromObject({ code, message: 'm' })).finish();
      assert.deepEqual(decodeStatus(bytes), { code, message: 'm', details: [] });
    }
    // field 9, a uint64 of 2^63 + 1 (ten bytes), then field 5, a fixed64, in front of the known ones
    const unknown = Buffer.from([
      0x48,
      0x81,
      0x80,
      0x80,
      0x80,
      0x80,
      0x80,
      0x80,
      0x80,
      0x80,
      0x01,
      0x29,
      ...Buffer.alloc(8),
    ]);
    const known = Status.encode(Status.fromObject({ code: 3, message: 'x' })).finish();
    assert.deepEqual(decodeStatus(Buffer.concat([unknown, known])), { code: 3, message: 'x', details: [] });
  });

  it('rejects bytes that are not a status', () => {
    for (const bytes of [
      [0x12, 0x05, 0x41],
      [0x08, 0x80],
      [0x1a, 0x02, 0x12, 0x03],
    ])
      assert.throws(
        () => decodeStatus(Buffer.from(bytes)),
        (e: unknown) => e instanceof ProtoError && e.kind === 'truncated',
        JSON.stringify(bytes),
      );
    assert.throws(
      () => decodeStatus(Buffer.from([0x12, 0x01, 0xff])),
      (e: unknown) => e instanceof ProtoError && e.kind === 'invalid-utf8',
    );
  });
});
