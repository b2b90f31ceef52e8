/** The server's settings: each flag has an environment variable, flags win. */
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { Command, Option } from 'commander';
import { endpointList, hostPort, limitArg, positiveInt } from '../lib/cli-options.ts';
import { nodeNameProblem } from '../lib/fleet/node-name.ts';
import { LOG_LEVELS } from '../lib/log.ts';
import { DEFAULT_PROTO_DIR } from '../lib/project.ts';
import { addSecurityOptions, securityConfig, type SecurityConfig } from '../lib/security-options.ts';
import { DEFAULT_SOCKET } from '../vpp/client/index.ts';

export const DEFAULT_BATCH_WINDOW = 1024;
/** where a server keeps its journal when nothing says otherwise */
export const DEFAULT_STATE_DIR = '/var/lib/vpp-rpc';

export interface ServerConfig extends SecurityConfig {
  vppSocket: string;
  /** VPP's stats segment socket; default: stats.sock beside vppSocket */
  statsSocket: string;
  /** VPP's counters on the metrics endpoint */
  vppMetrics: boolean;
  /** which stats entries the metrics endpoint exports (regular expressions); empty: the default set */
  vppMetricsPatterns: string[];
  listen: string;
  /** empty: no metrics endpoint */
  metricsListen: string;
  protoDir: string;
  logLevel: string;
  requestTimeoutMs: number;
  tlsCert?: string;
  tlsKey?: string;
  /** CA that client certificates must chain to (mutual TLS) */
  tlsClientCa?: string;
  maxQueuedEvents: number;
  /** elements a repeated request field may hold where VPP's own bound is larger; 0: VPP's bound */
  maxArrayLength: number;
  /** largest gRPC request message, bytes */
  maxMessageSize: number;
  /** the liveness probe of the VPP connection; interval 0: none */
  vppPingIntervalMs: number;
  vppPingTimeoutMs: number;
  vppPingMisses: number;
  /** requests that may wait on VPP at once, and bytes of them VPP has not read */
  vppMaxInFlight: number;
  vppMaxBufferedBytes: number;
  /** requests of one batch stream in flight to VPP when the caller asks for no window */
  batchWindow: number;
  /** the largest window a caller may ask for */
  batchMaxWindow: number;
  /** where the journal of what was configured is kept: a file in stateDir, in etcd, or nowhere */
  journal: 'file' | 'etcd' | 'off';
  stateDir: string;
  /** etcd's members (`host:port`); empty: the node stands alone */
  etcd: string[];
  /** the node's name in the fleet: its key in etcd, and its journal's there */
  nodeName: string;
  /** the gRPC address other machines reach this server at; default: this host's name and the port it listens on */
  advertise?: string;
  /** the metrics address others reach; default: this host's name and the metrics port, none when metrics are off */
  advertiseMetrics?: string;
  /** the ttl of the lease that keeps the node's key (seconds) */
  etcdLeaseTtl: number;
}

export function serverCommand(): Command {
  const cmd = new Command('vpp-rpc-server')
    .description('gRPC server for the whole VPP binary API')
    .addOption(new Option('--vpp-socket <path>', "VPP's API socket").env('VPP_API_SOCKET').default(DEFAULT_SOCKET))
    .addOption(
      new Option('--stats-socket <path>', "VPP's stats segment socket (default: stats.sock beside --vpp-socket)").env(
        'VPP_STATS_SOCKET',
      ),
    )
    .addOption(
      new Option('--vpp-metrics <on|off>', "export VPP's counters on the metrics endpoint")
        .env('VPP_RPC_VPP_METRICS')
        .choices(['on', 'off'])
        .default('on'),
    )
    .addOption(
      new Option(
        '--vpp-metrics-patterns <regexps>',
        'stats entries to export, regular expressions separated by commas (default: all but /interfaces/ and /node/errors)',
      ).env('VPP_RPC_VPP_METRICS_PATTERNS'),
    )
    .addOption(
      new Option('--listen <host:port>', 'gRPC listen address')
        .env('VPP_RPC_GRPC_LISTEN')
        .default('0.0.0.0:9111')
        .argParser(hostPort),
    )
    .addOption(
      new Option('--metrics-listen <host:port>', 'Prometheus /metrics address ("off" to disable)')
        .env('VPP_RPC_SERVER_METRICS_LISTEN')
        .default('0.0.0.0:9112')
        .argParser(hostPort),
    )
    .addOption(
      new Option('--proto-dir <dir>', 'generated protos to serve').env('VPP_RPC_PROTO_DIR').default(DEFAULT_PROTO_DIR),
    )
    .addOption(new Option('--log-level <level>', 'log level').env('LOG_LEVEL').default('info').choices(LOG_LEVELS))
    .addOption(
      new Option('--request-timeout <ms>', 'timeout of a VPP request when the caller sets no deadline')
        .env('VPP_RPC_REQUEST_TIMEOUT_MS')
        .default(10_000)
        .argParser(positiveInt),
    )
    .addOption(new Option('--tls-cert <file>', 'serve TLS with this certificate (PEM)').env('VPP_RPC_TLS_CERT'))
    .addOption(new Option('--tls-key <file>', 'private key of --tls-cert (PEM)').env('VPP_RPC_TLS_KEY'))
    .addOption(
      new Option('--tls-client-ca <file>', 'require client certificates signed by this CA').env(
        'VPP_RPC_TLS_CLIENT_CA',
      ),
    )
    .addOption(
      new Option('--max-queued-events <n>', 'events a slow watcher may fall behind before its stream ends')
        .env('VPP_RPC_MAX_QUEUED_EVENTS')
        .default(10_000)
        .argParser(positiveInt),
    )
    .addOption(
      new Option('--max-array-length <n>', 'elements a repeated request field may hold (0: as many as VPP takes)')
        .env('VPP_RPC_MAX_ARRAY_LENGTH')
        .default(0)
        .argParser(limitArg),
    )
    .addOption(
      new Option('--max-message-size <bytes>', 'largest gRPC request message')
        .env('VPP_RPC_MAX_MESSAGE_SIZE')
        .default(16 * 1024 * 1024)
        .argParser(positiveInt),
    )
    .addOption(
      new Option('--vpp-ping-interval <ms>', 'ping VPP after this long without a word from it (0: no probe)')
        .env('VPP_RPC_VPP_PING_INTERVAL_MS')
        .default(1000)
        .argParser(limitArg),
    )
    .addOption(
      new Option('--vpp-ping-timeout <ms>', "how long a ping waits for VPP's reply")
        .env('VPP_RPC_VPP_PING_TIMEOUT_MS')
        .default(250)
        .argParser(positiveInt),
    )
    .addOption(
      new Option('--vpp-ping-misses <n>', 'unanswered pings in a row before VPP is declared not responding')
        .env('VPP_RPC_VPP_PING_MISSES')
        .default(2)
        .argParser(positiveInt),
    )
    .addOption(
      new Option('--vpp-max-in-flight <n>', "requests that may wait for VPP's answer at once; more fail at once")
        .env('VPP_RPC_VPP_MAX_IN_FLIGHT')
        .default(4096)
        .argParser(positiveInt),
    )
    .addOption(
      new Option('--vpp-max-buffered <bytes>', 'bytes of requests VPP may leave unread before new ones fail')
        .env('VPP_RPC_VPP_MAX_BUFFERED_BYTES')
        .default(4 * 1024 * 1024)
        .argParser(positiveInt),
    )
    .addOption(
      new Option(
        '--batch-window <n>',
        'requests of a Batch/Call stream in flight to VPP when the caller sets no window',
      )
        .env('VPP_RPC_BATCH_WINDOW')
        .default(DEFAULT_BATCH_WINDOW)
        .argParser(positiveInt),
    )
    .addOption(
      new Option('--batch-max-window <n>', 'the largest window a Batch/Call caller may ask for')
        .env('VPP_RPC_BATCH_MAX_WINDOW')
        .default(4096)
        .argParser(positiveInt),
    )
    .addOption(
      new Option(
        '--journal <file|etcd|off>',
        'keep what was configured, and put it back after VPP restarts: in --state-dir, or in etcd under --node-name',
      )
        .env('VPP_RPC_JOURNAL')
        .choices(['file', 'etcd', 'off'])
        .default('file'),
    )
    .addOption(
      new Option('--state-dir <dir>', 'where the server keeps its journal')
        .env('VPP_RPC_STATE_DIR')
        .default(DEFAULT_STATE_DIR),
    )
    .addOption(
      new Option(
        '--etcd <endpoints>',
        "etcd's members (host:port, separated by commas): the node joins the fleet there",
      )
        .env('VPP_RPC_ETCD')
        .argParser(endpointList),
    )
    .addOption(
      new Option('--node-name <name>', "the node's name in the fleet (default: the host name)").env(
        'VPP_RPC_NODE_NAME',
      ),
    )
    .addOption(
      new Option(
        '--advertise <host:port>',
        'the gRPC address others reach this server at (default: host name, --listen port)',
      )
        .env('VPP_RPC_ADVERTISE')
        .argParser(hostPort),
    )
    .addOption(
      new Option(
        '--advertise-metrics <host:port>',
        'the metrics address others reach (default: host name, --metrics-listen port)',
      )
        .env('VPP_RPC_ADVERTISE_METRICS')
        .argParser(hostPort),
    )
    .addOption(
      new Option('--etcd-lease-ttl <s>', "seconds the node's key outlives a server that stopped answering etcd")
        .env('VPP_RPC_ETCD_LEASE_TTL')
        .default(5)
        .argParser(positiveInt),
    );
  return addSecurityOptions(
    cmd,
    'VPP_RPC_SERVER_MAX_STREAMS_PER_CLIENT',
    'open streams (dumps, events) per client: per token with --auth-tokens, else per address (0: no limit)',
  );
}

export function parseServerConfig(argv: string[]): ServerConfig {
  const cmd = serverCommand().parse(argv, { from: 'user' });
  const o = cmd.opts<
    Omit<ServerConfig, 'statsSocket' | 'vppMetrics' | 'vppMetricsPatterns' | 'etcd' | 'nodeName'> & {
      requestTimeout: number;
      vppPingInterval: number;
      vppPingTimeout: number;
      vppMaxBuffered: number;
      statsSocket?: string;
      vppMetrics: 'on' | 'off';
      vppMetricsPatterns?: string;
      etcd?: string[];
      nodeName?: string;
    }
  >();
  if (Boolean(o.tlsCert) !== Boolean(o.tlsKey)) cmd.error('--tls-cert and --tls-key go together');
  if (o.tlsClientCa && !o.tlsCert) cmd.error('--tls-client-ca needs --tls-cert and --tls-key');
  if (o.batchWindow > o.batchMaxWindow) cmd.error('--batch-window is larger than --batch-max-window');
  const vppMetricsPatterns = (o.vppMetricsPatterns ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  for (const p of vppMetricsPatterns)
    try {
      new RegExp(p);
    } catch (e) {
      cmd.error(`--vpp-metrics-patterns: ${(e as Error).message}`);
    }
  const etcd = o.etcd ?? [];
  if (o.journal === 'etcd' && etcd.length === 0) cmd.error('--journal etcd keeps the journal in etcd: give --etcd');
  const nodeName = o.nodeName ?? hostname();
  const nameProblem = etcd.length > 0 ? nodeNameProblem(nodeName) : undefined;
  if (nameProblem) cmd.error(`--node-name: ${nameProblem}`);
  return {
    ...o,
    ...securityConfig(cmd),
    etcd,
    nodeName,

    requestTimeoutMs: o.requestTimeout,
    vppPingIntervalMs: o.vppPingInterval,
    vppPingTimeoutMs: o.vppPingTimeout,
    vppMaxBufferedBytes: o.vppMaxBuffered,
    // VPP puts both sockets in one folder (/run/vpp, or vpp.sh's DIR)
    statsSocket: o.statsSocket ?? join(dirname(o.vppSocket), 'stats.sock'),
    vppMetrics: o.vppMetrics === 'on',
    vppMetricsPatterns,
  };
}
