import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { describe, it } from 'node:test';
import { loadErrorTable } from '../vpp/api/errors.ts';
import { VppApiError, VppClientError, VppIncompatibleError } from '../vpp/client/errors.ts';
import { CodecError } from '../vpp/codec/types.ts';
import { decodeStatus } from '../lib/grpc/status-details.ts';
import { PROTO_DIR } from '../test/support/paths.ts';
import { codeForSymbol, toStatus } from './status.ts';

const errors = loadErrorTable(PROTO_DIR);

describe('gRPC status of VPP errors', () => {
  it('chooses the code by meaning', () => {
    const cases: [string, status][] = [
      ['INVALID_SW_IF_INDEX', status.NOT_FOUND],
      ['NO_SUCH_ENTRY', status.NOT_FOUND],
      ['NO_SUCH_FIB', status.NOT_FOUND],
      ['INVALID_VALUE', status.INVALID_ARGUMENT],
      ['INVALID_ADDRESS_FAMILY', status.INVALID_ARGUMENT],
      ['IP_PREFIX_INVALID', status.INVALID_ARGUMENT],
      ['UNIMPLEMENTED', status.UNIMPLEMENTED],
      ['UNSUPPORTED', status.UNIMPLEMENTED],
      ['ENTRY_ALREADY_EXISTS', status.ALREADY_EXISTS],
      ['VALUE_EXIST', status.ALREADY_EXISTS],
      ['TUNNEL_EXIST', status.ALREADY_EXISTS],
      ['TABLE_TOO_BIG', status.RESOURCE_EXHAUSTED],
      ['SYSCALL_ERROR_3', status.INTERNAL],
      ['UNSPECIFIED', status.INTERNAL],
      ['ACL_IN_USE_INBOUND', status.FAILED_PRECONDITION],
      ['FEATURE_DISABLED', status.FAILED_PRECONDITION],
      ['BUSY', status.UNAVAILABLE],
      ['VPP_ERROR_-999', status.UNKNOWN],
    ];
    for (const [symbol, code] of cases) assert.equal(codeForSymbol(symbol), code, symbol);
  });

  it('says SYMBOL: text (retval N) and carries retval and symbol', () => {
    const s = toStatus(
      new VppApiError('sw_interface_set_flags', errors.describe(-2), { retval: -2 }),
      'sw_interface_set_flags',
    );
    assert.equal(s.code, status.NOT_FOUND);
    assert.equal(s.message, 'INVALID_SW_IF_INDEX: Invalid sw_if_index (retval -2)');
    assert.deepEqual(s.metadata.get('vpp-retval'), ['-2']);
    assert.deepEqual(s.metadata.get('vpp-symbol'), ['INVALID_SW_IF_INDEX']);
    const details = decodeStatus(s.metadata.get('grpc-status-details-bin')[0] as Buffer);
    assert.deepEqual(details.details[0], {
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: 'INVALID_SW_IF_INDEX',
      domain: 'vpp.fd.io',
      metadata: { retval: '-2', message: 'sw_interface_set_flags' },
    });
  });

  it('maps client failures', () => {
    assert.equal(toStatus(new VppClientError('DISCONNECTED', 'VPP disconnected: EOF'), 'x').code, status.UNAVAILABLE);
    assert.equal(toStatus(new VppClientError('TIMEOUT', 't'), 'x').code, status.DEADLINE_EXCEEDED);
    assert.equal(toStatus(new VppClientError('ABORTED', 'a'), 'x').code, status.CANCELLED);
    assert.equal(toStatus(new VppClientError('OVERRUN', 'o'), 'x').code, status.RESOURCE_EXHAUSTED);
    assert.equal(toStatus(new VppClientError('NOT_RESPONDING', 'n'), 'x').code, status.UNAVAILABLE);
    assert.equal(toStatus(new VppClientError('OVERLOADED', 'o'), 'x').code, status.RESOURCE_EXHAUSTED);
    const inc = toStatus(new VppIncompatibleError('ip_route_add_del', '0xb8ecfe0d', '0x12345678'), 'x');
    assert.equal(inc.code, status.FAILED_PRECONDITION);
    assert.match(inc.message, /ip_route_add_del.*0x12345678.*0xb8ecfe0d/);
  });

  it('names the field of a bad value', () => {
    const s = toStatus(new CodecError('invalid-value', 'route.paths[0].weight', 'must be 0..255, got 300'), 'x');
    assert.equal(s.code, status.INVALID_ARGUMENT);
    assert.equal(s.message, 'route.paths[0].weight: must be 0..255, got 300');
    const d = decodeStatus(s.metadata.get('grpc-status-details-bin')[0] as Buffer);
    assert.deepEqual(d.details[0], {
      '@type': 'type.googleapis.com/google.rpc.BadRequest',
      field_violations: [{ field: 'route.paths[0].weight', description: 'must be 0..255, got 300' }],
    });
  });

  it('hides nothing but stack traces for unexpected errors', () => {
    const s = toStatus(new TypeError('boom'), 'x');
    assert.equal(s.code, status.INTERNAL);
    assert.equal(s.message, 'internal error: boom');
  });
});
