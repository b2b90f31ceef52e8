/**
 * A gateway in front of a fleet of VPP nodes, assembled: the directory, a
 * client per node, the source of the nodes (`--nodes`, or `--etcd`: the
 * servers' own registrations), the router of
 * requests by their X-VPP-Node header, the metrics and a log line whenever a
 * node appears, changes state or leaves.
 */
import type { Registry } from 'prom-client';
import { EtcdClient } from '../../lib/etcd/index.ts';
import type { Logger } from '../../lib/log.ts';
import type { GatewayConfig } from '../config.ts';
import { grpcClientOptions } from '../grpc/channel.ts';
import type { GrpcClient } from '../grpc/client.ts';
import { silenceLimitMs } from '../grpc/keepalive.ts';
import type { Route } from '../routes.ts';
import { NodeClients } from './clients.ts';
import { NodeDirectory, type NodeChange, type NodeSource } from './directory.ts';
import { EtcdSource } from './etcd-source.ts';
import { fleetMetrics } from './metrics.ts';
import { fleetReadiness, type FleetReadiness } from './routes.ts';
import { NodeRouter } from './routing.ts';
import { StaticSource } from './static-source.ts';

/** How often the gateway asks each node of `--nodes` whether it serves. */
export const NODE_CHECK_INTERVAL_MS = 2000;
/** A health check's deadline when there is no liveness probe to go by. */
const CHECK_TIMEOUT_MS = 1000;
/** The RPC whose reply says a node's VPP version. */
const SHOW_VERSION = '/vpp.vpe.Vpe/ShowVersion';

export interface Fleet {
  directory: NodeDirectory;
  router: NodeRouter;
  /** whether the gateway serves (/readyz) */
  readiness(): FleetReadiness;
  close(): void;
}

const spelled = (state: string): string => state.replaceAll('_', ' ');

/** One line per node that appears, changes state or address, or leaves. */
function logNodes(directory: NodeDirectory, log: Logger): void {
  directory.on('change', (c: NodeChange) => {
    const { node } = c;
    const fields = {
      node: node.name,
      grpc: node.grpc,
      state: node.state,
      ...(node.reason ? { reason: node.reason } : {}),
    };
    if (c.kind === 'added') return log.info(fields, `node ${node.name} joined the fleet: ${spelled(node.state)}`);
    if (c.kind === 'removed') return log.info(fields, `node ${node.name} left the fleet`);
    if (node.grpc !== c.before.grpc)
      log.info({ ...fields, was: c.before.grpc }, `node ${node.name} moved to ${node.grpc}`);
    if (node.state === c.before.state) return;
    if (node.state === 'ready')
      log.info(
        { ...fields, was: c.before.state },
        `node ${node.name} is ready${node.vppVersion ? ` (VPP ${node.vppVersion})` : ''}`,
      );
    else
      log.warn(
        { ...fields, was: c.before.state },
        `node ${node.name} is not ready: ${node.reason ?? spelled(node.state)}`,
      );
  });
}

/** The VPP version a node's server reports, through the route of ShowVersion (if the protos have it). */
function versionAsker(
  routes: Route[],
  timeoutMs: number,
): ((client: GrpcClient) => Promise<string | undefined>) | undefined {
  const route = routes.find((r) => r.grpcPath === SHOW_VERSION);
  if (!route) return undefined;
  return async (client) => {
    // ShowVersion's request has no fields: the empty message
    const res = await client.unary(route.grpcPath, Buffer.alloc(0), { deadline: Date.now() + timeoutMs });
    const version = (JSON.parse(route.response.json.toJson(route.response.binary.decode(res))) as { version?: unknown })
      .version;
    return typeof version === 'string' && version !== '' ? version : undefined;
  };
}

export function startFleet(cfg: GatewayConfig, routes: Route[], registry: Registry, log: Logger): Fleet {
  const directory = new NodeDirectory();
  logNodes(directory, log);
  const metrics = fleetMetrics(registry, directory);
  const clients = new NodeClients(
    directory,
    (node) => grpcClientOptions(cfg, node.grpc, `node ${node.name}`),
    metrics.callEnded,
  );
  // a check waits as long as the liveness probe lets a silent server be
  const checkTimeoutMs =
    cfg.grpcPingIntervalMs > 0
      ? silenceLimitMs({
          intervalMs: cfg.grpcPingIntervalMs,
          timeoutMs: cfg.grpcPingTimeoutMs,
          misses: cfg.grpcPingMisses,
        })
      : CHECK_TIMEOUT_MS;
  const sources: NodeSource[] = [];
  if (cfg.nodes)
    sources.push(
      new StaticSource(cfg.nodes, clients, {
        intervalMs: NODE_CHECK_INTERVAL_MS,
        checkTimeoutMs,
        versionOf: versionAsker(routes, checkTimeoutMs),
      }),
    );
  const etcd = cfg.etcd && new EtcdClient({ endpoints: cfg.etcd, log: log.child({ component: 'etcd' }) });
  const registered = etcd && new EtcdSource(etcd, log.child({ component: 'fleet' }));
  if (registered) sources.push(registered);
  for (const source of sources) source.start(directory);
  return {
    directory,
    router: new NodeRouter(directory, clients, cfg.defaultNode),
    readiness: () => fleetReadiness(directory, registered?.pending()),
    close() {
      for (const source of sources) source.close();
      clients.close();
      void etcd?.close();
    },
  };
}
