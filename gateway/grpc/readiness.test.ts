/** The health check's answer read as any protobuf encoder may write it. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { servingStatus } from './readiness.ts';

describe('servingStatus', () => {
  it('reads HealthCheckResponse.status wherever it is, UNKNOWN (0) when left out', () => {
    assert.equal(servingStatus(Buffer.alloc(0)), 0);
    assert.equal(servingStatus(Buffer.from([0x08, 0x01])), 1);
    // an unknown string field first, and the status sent twice: the last one counts
    assert.equal(servingStatus(Buffer.from([0x12, 0x01, 0x41, 0x08, 0x01, 0x08, 0x02])), 2);
    // a varint of more than one byte, and a negative enum value (ten bytes)
    assert.equal(servingStatus(Buffer.from([0x08, 0x83, 0x00])), 3);
    assert.equal(servingStatus(Buffer.from([0x08, ...Buffer.alloc(9, 0xff), 0x01])), -1);
  });

  it('throws on bytes that are not a HealthCheckResponse', () => {
    assert.throws(() => servingStatus(Buffer.from([0x08])), /runs past the end/);
    assert.throws(() => servingStatus(Buffer.from([0x0f])), /invalid wire type/);
  });
});
