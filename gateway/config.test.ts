import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { parseGatewayConfig } from './config.ts';

const VARS = ['VPP_RPC_GRPC_TLS'];

describe('gateway settings', () => {
  afterEach(() => {
    for (const v of VARS) delete process.env[v];
  });

  it('VPP_RPC_GRPC_TLS=false or 0 leaves TLS off', () => {
    for (const [text, on] of [
      ['false', false],
      ['0', false],
      ['true', true],
    ] as const) {
      process.env.VPP_RPC_GRPC_TLS = text;
      assert.equal(parseGatewayConfig([]).grpcTls, on, text);
    }
  });
});
