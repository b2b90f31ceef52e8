import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { gatewayCommand, parseGatewayConfig } from './config.ts';

const VARS = [
  'VPP_RPC_GRPC_TLS',
  'VPP_RPC_READ_ONLY',
  'VPP_RPC_DENY',
  'VPP_RPC_AUTH_TOKENS_FILE',
  'VPP_RPC_GRPC_PING_INTERVAL_MS',
  'VPP_RPC_GRPC_PING_MISSES',
  'VPP_RPC_NODES',
  'VPP_RPC_DEFAULT_NODE',
  'VPP_RPC_GRPC_TARGET',
  'VPP_RPC_ETCD',
];

/** The error the settings stop at, rather than exiting. */
function refusal(argv: string[]): string {
  try {
    parseGatewayConfig(
      argv,
      gatewayCommand()
        .exitOverride()
        .configureOutput({ writeErr: () => {} }),
    );
  } catch (e) {
    return (e as Error).message;
  }
  assert.fail(`${argv.join(' ')} was taken`);
}

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

  it('security settings are off by default', () => {
    const c = parseGatewayConfig([]);
    assert.deepEqual(
      [c.authTokens, c.readOnly, c.allow, c.deny, c.maxStreamsPerClient, c.rateLimit],
      [undefined, false, [], [], 0, 0],
    );
  });

  it('reads them from flags and the environment; flags win', () => {
    process.env.VPP_RPC_READ_ONLY = '1';
    process.env.VPP_RPC_DENY = 'cli_inband,Ip/*';
    process.env.VPP_RPC_AUTH_TOKENS_FILE = '/etc/vpp-rpc/tokens';
    const env = parseGatewayConfig([]);
    assert.deepEqual([env.readOnly, env.deny, env.authTokens], [true, ['cli_inband', 'Ip/*'], '/etc/vpp-rpc/tokens']);
    const flags = parseGatewayConfig(['--deny', 'Vlib/*', '--deny', 'cli', '--rate-limit', '0.5']);
    assert.deepEqual([flags.deny, flags.rateLimit, flags.rateBurst], [['Vlib/*', 'cli'], 0.5, 0]);
  });

  it('probes the gRPC server every second by default; 0 turns the probe off', () => {
    const c = parseGatewayConfig([]);
    assert.deepEqual([c.grpcPingIntervalMs, c.grpcPingTimeoutMs, c.grpcPingMisses], [1000, 250, 2]);
    process.env.VPP_RPC_GRPC_PING_INTERVAL_MS = '0';
    process.env.VPP_RPC_GRPC_PING_MISSES = '3';
    const env = parseGatewayConfig([]);
    assert.deepEqual([env.grpcPingIntervalMs, env.grpcPingMisses], [0, 3]);
    const flags = parseGatewayConfig(['--grpc-ping-interval', '500', '--grpc-ping-timeout', '100']);
    assert.deepEqual([flags.grpcPingIntervalMs, flags.grpcPingTimeoutMs, flags.grpcPingMisses], [500, 100, 3]);
  });

  it('fronts a fleet with --nodes (VPP_RPC_NODES), one server without', () => {
    assert.equal(parseGatewayConfig([]).nodes, undefined);
    process.env.VPP_RPC_NODES = 'a=10.0.0.1:9111,b=10.0.0.2:9111/10.0.0.2:9112';
    process.env.VPP_RPC_GRPC_TARGET = 'server:9111'; // an image's default: not in the way
    process.env.VPP_RPC_DEFAULT_NODE = 'b';
    const c = parseGatewayConfig([]);
    assert.deepEqual(c.nodes, [
      { name: 'a', grpc: '10.0.0.1:9111' },
      { name: 'b', grpc: '10.0.0.2:9111', metrics: '10.0.0.2:9112' },
    ]);
    assert.equal(c.defaultNode, 'b');
    assert.equal(parseGatewayConfig(['--default-node', 'a']).defaultNode, 'a');
  });

  it('refuses a fleet it cannot front, saying why', () => {
    assert.match(refusal(['--nodes', 'a=h']), /--nodes <list>' argument 'a=h' is invalid\. node a: expected host:port/);
    assert.match(
      refusal(['--nodes', 'a=h:1', '--grpc-target', 'h:2']),
      /--nodes and --grpc-target: .* give one of them/,
    );
    assert.match(refusal(['--nodes', 'a=h:1', '--default-node', 'b']), /--default-node: no node b in --nodes \(a\)/);
    assert.match(refusal(['--default-node', 'b']), /--default-node names a node of the fleet: give --nodes or --etcd/);
  });

  it('fronts the fleet registered in etcd with --etcd (VPP_RPC_ETCD), not beside --nodes', () => {
    assert.equal(parseGatewayConfig([]).etcd, undefined);
    process.env.VPP_RPC_ETCD = 'http://10.0.0.1:2379,10.0.0.2:2379';
    process.env.VPP_RPC_GRPC_TARGET = 'server:9111';
    // a node not registered yet may be the default: nodes come and go
    const c = parseGatewayConfig(['--default-node', 'later']);
    assert.deepEqual([c.etcd, c.defaultNode], [['http://10.0.0.1:2379', '10.0.0.2:2379'], 'later']);
    assert.match(refusal(['--default-node', 'a/b']), /--default-node: "a\/b" is not a node name/);
    assert.match(refusal(['--nodes', 'a=h:1']), /--nodes and --etcd: .* give one of them/);
    assert.match(refusal(['--grpc-target', 'h:2']), /--etcd and --grpc-target: .* give one of them/);
    delete process.env.VPP_RPC_ETCD;
    assert.match(refusal(['--etcd', 'h']), /--etcd <endpoints>' argument 'h' is invalid/);
  });
});
