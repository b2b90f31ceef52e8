/** Our status codes are grpc-js's, name for name and number for number, both ways. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status as grpcStatus } from '@grpc/grpc-js';
import { status } from './status.ts';

describe('gRPC status codes', () => {
  it('are the codes grpc-js exports as status', () => {
    assert.deepEqual({ ...status }, { ...grpcStatus });
  });

  it('run from OK (0) to UNAUTHENTICATED (16), with a name for each number', () => {
    for (let code = 0; code <= 16; code++) assert.equal(status[status[code] as keyof typeof status], code);
    assert.equal(status.OK, 0);
    assert.equal(status.UNAUTHENTICATED, 16);
    assert.equal(status[17], undefined);
  });
});
