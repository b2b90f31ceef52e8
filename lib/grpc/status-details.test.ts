import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { googleProtoRoot } from '../google-protos.ts';
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

  it('rejects bytes that are not a status', () => {
    assert.throws(() => decodeStatus(Buffer.from([0x12, 0x05, 0x41])), /truncated/);
  });
});
