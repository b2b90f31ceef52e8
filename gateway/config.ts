/** The gateway's settings: each flag has an environment variable, flags win. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { endpointList, hostPort, limitArg, positiveInt, rateArg, readSwitch } from '../lib/cli-options.ts';
import { nodeNameProblem } from '../lib/fleet/node-name.ts';
import { LOG_LEVELS } from '../lib/log.ts';
import { DEFAULT_OPENAPI_DIR, DEFAULT_PROTO_DIR } from '../lib/project.ts';
import { addSecurityOptions, securityConfig, type SecurityConfig } from '../lib/security-options.ts';
import { parseNodeList, type ListedNode } from './fleet/node-list.ts';

export interface GatewayConfig extends SecurityConfig {
  listen: string;
  /** the one gRPC server of a gateway that fronts no fleet */
  grpcTarget: string;
  /** the fleet's nodes: calls go to the node their X-VPP-Node header names */
  nodes?: ListedNode[];
  /** etcd's members: the fleet's nodes are the servers registered there */
  etcd?: string[];
  /** the node of a request that names none */
  defaultNode?: string;
  /** empty: no metrics endpoint */
  metricsListen: string;
  protoDir: string;
  openapiDir: string;
  logLevel: string;
  /** largest request body, bytes */
  bodyLimit: number;
  /** deadline of a call when the request sets none (streams: none) */
  requestTimeoutMs: number;
  tlsCert?: string;
  tlsKey?: string;
  /** TLS to the gRPC server */
  grpcTls: boolean;
  grpcCa?: string;
  grpcCert?: string;
  grpcKey?: string;
  grpcServerName?: string;
  /** the liveness probe of the connection to the gRPC server; interval 0: none */
  grpcPingIntervalMs: number;
  grpcPingTimeoutMs: number;
  grpcPingMisses: number;
  /** API requests per second per client IP; 0: no limit */
  rateLimit: number;
  /** requests a client may make at once before the rate applies; 0: the rate, at least 1 */
  rateBurst: number;
}

function nodeList(v: string): ListedNode[] {
  try {
    return parseNodeList(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

export function gatewayCommand(): Command {
  const cmd = new Command('vpp-rpc-gateway')
    .description('REST/JSON gateway in front of the vpp-rpc gRPC server')
    .addOption(
      new Option('--listen <host:port>', 'HTTP listen address')
        .env('VPP_RPC_REST_LISTEN')
        .default('0.0.0.0:9191')
        .argParser(hostPort),
    )
    .addOption(
      new Option('--grpc-target <host:port>', 'the gRPC server').env('VPP_RPC_GRPC_TARGET').default('localhost:9111'),
    )
    .addOption(
      new Option(
        '--nodes <list>',
        "front a fleet: name=host:port of each node's gRPC server (/metrics-host:port after it: its /metrics), commas between",
      )
        .env('VPP_RPC_NODES')
        .argParser(nodeList),
    )
    .addOption(
      new Option(
        '--etcd <endpoints>',
        "front the fleet registered in etcd: etcd's members (host:port, separated by commas)",
      )
        .env('VPP_RPC_ETCD')
        .argParser(endpointList),
    )
    .addOption(
      new Option('--default-node <name>', 'the node of a request without an X-VPP-Node header').env(
        'VPP_RPC_DEFAULT_NODE',
      ),
    )
    .addOption(
      new Option('--metrics-listen <host:port>', 'Prometheus /metrics address ("off" to disable)')
        .env('VPP_RPC_GATEWAY_METRICS_LISTEN')
        .default('0.0.0.0:9192')
        .argParser(hostPort),
    )
    .addOption(
      new Option('--proto-dir <dir>', 'protos whose google.api.http rules become routes')
        .env('VPP_RPC_PROTO_DIR')
        .default(DEFAULT_PROTO_DIR),
    )
    .addOption(
      new Option('--openapi-dir <dir>', 'OpenAPI document and Postman collection to serve')
        .env('VPP_RPC_OPENAPI_DIR')
        .default(DEFAULT_OPENAPI_DIR),
    )
    .addOption(new Option('--log-level <level>', 'log level').env('LOG_LEVEL').default('info').choices(LOG_LEVELS))
    .addOption(
      new Option('--body-limit <bytes>', 'largest request body')
        .env('VPP_RPC_BODY_LIMIT')
        .default(1024 * 1024)
        .argParser(positiveInt),
    )
    .addOption(
      new Option('--request-timeout <ms>', 'deadline of a unary call when the request sets none')
        .env('VPP_RPC_REQUEST_TIMEOUT_MS')
        .default(10_000)
        .argParser(positiveInt),
    )
    .addOption(new Option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM)').env('VPP_RPC_TLS_CERT'))
    .addOption(new Option('--tls-key <file>', 'private key of --tls-cert (PEM)').env('VPP_RPC_TLS_KEY'))
    .addOption(new Option('--grpc-tls', 'use TLS to the gRPC server').env('VPP_RPC_GRPC_TLS').default(false))
    .addOption(new Option('--grpc-ca <file>', "CA of the gRPC server's certificate (PEM)").env('VPP_RPC_GRPC_CA'))
    .addOption(
      new Option('--grpc-cert <file>', 'client certificate for the gRPC server (mutual TLS)').env('VPP_RPC_GRPC_CERT'),
    )
    .addOption(new Option('--grpc-key <file>', 'private key of --grpc-cert').env('VPP_RPC_GRPC_KEY'))
    .addOption(
      new Option('--grpc-server-name <name>', "name to check in the gRPC server's certificate").env(
        'VPP_RPC_GRPC_SERVER_NAME',
      ),
    )
    .addOption(
      new Option(
        '--grpc-ping-interval <ms>',
        'ping the gRPC server after this long without a word from it (0: no probe)',
      )
        .env('VPP_RPC_GRPC_PING_INTERVAL_MS')
        .default(1000)
        .argParser(limitArg),
    )
    .addOption(
      new Option('--grpc-ping-timeout <ms>', "how long a ping waits for the gRPC server's answer")
        .env('VPP_RPC_GRPC_PING_TIMEOUT_MS')
        .default(250)
        .argParser(positiveInt),
    )
    .addOption(
      new Option(
        '--grpc-ping-misses <n>',
        'unanswered pings in a row before the gRPC server is declared not responding',
      )
        .env('VPP_RPC_GRPC_PING_MISSES')
        .default(2)
        .argParser(positiveInt),
    )
    .addOption(
      new Option('--rate-limit <per-second>', 'API requests per second per client IP (0: no limit)')
        .env('VPP_RPC_RATE_LIMIT')
        .default(0)
        .argParser(rateArg),
    )
    .addOption(
      new Option('--rate-burst <n>', 'requests a client may make at once before --rate-limit applies')
        .env('VPP_RPC_RATE_BURST')
        .default(0)
        .argParser(limitArg),
    );
  return addSecurityOptions(
    cmd,
    'VPP_RPC_GATEWAY_MAX_STREAMS_PER_CLIENT',
    'open streams (dumps, events) per client IP (0: no limit)',
  );
}

/** `command`: the gateway's (a test's may throw rather than exit). */
export function parseGatewayConfig(argv: string[], command = gatewayCommand()): GatewayConfig {
  const cmd = command.parse(argv, { from: 'user' });
  const o = cmd.opts<
    Omit<GatewayConfig, 'requestTimeoutMs' | 'grpcPingIntervalMs' | 'grpcPingTimeoutMs'> & {
      requestTimeout: number;
      grpcPingInterval: number;
      grpcPingTimeout: number;
    }
  >();
  if (Boolean(o.tlsCert) !== Boolean(o.tlsKey)) cmd.error('--tls-cert and --tls-key go together');
  if (Boolean(o.grpcCert) !== Boolean(o.grpcKey)) cmd.error('--grpc-cert and --grpc-key go together');
  if (o.nodes && o.etcd) cmd.error('--nodes and --etcd: the fleet is listed or registered in etcd, give one of them');
  if ((o.nodes || o.etcd) && cmd.getOptionValueSource('grpcTarget') === 'cli')
    cmd.error(
      `${o.nodes ? '--nodes' : '--etcd'} and --grpc-target: a gateway fronts a fleet or one server, give one of them`,
    );
  // nodes registered in etcd come and go: the default node may be one not registered yet
  const defaultProblem = o.etcd && o.defaultNode !== undefined ? nodeNameProblem(o.defaultNode) : undefined;
  if (defaultProblem) cmd.error(`--default-node: ${defaultProblem}`);
  if (o.defaultNode !== undefined && !o.etcd && !o.nodes?.some((n) => n.name === o.defaultNode))
    cmd.error(
      o.nodes
        ? `--default-node: no node ${o.defaultNode} in --nodes (${o.nodes.map((n) => n.name).join(', ')})`
        : '--default-node names a node of the fleet: give --nodes or --etcd',
    );
  const grpcTls = readSwitch(cmd, 'grpcTls') || Boolean(o.grpcCa || o.grpcCert);
  return {
    ...o,
    ...securityConfig(cmd),
    grpcTls,
    requestTimeoutMs: o.requestTimeout,
    grpcPingIntervalMs: o.grpcPingInterval,
    grpcPingTimeoutMs: o.grpcPingTimeout,
  };
}
