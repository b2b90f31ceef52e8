/**
 * A fleet gateway's own routes: `GET /nodes` (the directory), `GET
 * /nodes/targets` (Prometheus HTTP service discovery: every node's server
 * /metrics, labelled with its node) and its readiness: at least one node
 * ready, and, with --etcd, the registry read once (a gateway that has not read
 * it yet does not know its nodes; one that read it once serves the nodes it
 * knows while etcd is away).
 */
import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import type { NodeDirectory } from './directory.ts';

export const NODES_PATH = '/nodes';
export const TARGETS_PATH = '/nodes/targets';

export interface FleetReadiness {
  ready: boolean;
  status: 'SERVING' | 'NOT_SERVING';
  nodes: { ready: number; total: number };
  reason?: string;
}

/** `pending`: why the source of the nodes cannot be relied on yet (the registry not read). */
export function fleetReadiness(directory: NodeDirectory, pending?: string): FleetReadiness {
  const nodes = directory.list();
  const ready = nodes.filter((n) => n.state === 'ready').length;
  const counts = { ready, total: nodes.length };
  if (pending) return { ready: false, status: 'NOT_SERVING', nodes: counts, reason: pending };
  if (ready > 0) return { ready: true, status: 'SERVING', nodes: counts };
  const states = nodes.map((n) => `${n.name} ${n.state.replaceAll('_', ' ')}`).join(', ');
  return {
    ready: false,
    status: 'NOT_SERVING',
    nodes: counts,
    reason:
      nodes.length === 0 ? 'the fleet has no nodes' : `none of the fleet's ${nodes.length} nodes is ready: ${states}`,
  };
}

/** The node list as `GET /nodes` answers it, by name. */
export function nodesBody(directory: NodeDirectory): { nodes: Record<string, string>[] } {
  return {
    nodes: directory.list().map((n) => ({
      name: n.name,
      state: n.state,
      ...(n.reason ? { reason: n.reason } : {}),
      grpc: n.grpc,
      ...(n.metrics ? { metrics: n.metrics } : {}),
      ...(n.vppVersion ? { vpp_version: n.vppVersion } : {}),
    })),
  };
}

/** Prometheus's HTTP service discovery: a target group per node that has a metrics address. */
export function targetsBody(directory: NodeDirectory): { targets: string[]; labels: Record<string, string> }[] {
  return directory
    .list()
    .filter((n) => n.metrics)
    .map((n) => ({ targets: [n.metrics!], labels: { node: n.name } }));
}

/** `hooks`: the protections of a request that is no RPC (rate limit, token), if any. */
export function registerFleetRoutes(
  app: FastifyInstance,
  directory: NodeDirectory,
  hooks: onRequestHookHandler[] | undefined,
): void {
  const options = hooks ? { onRequest: hooks } : {};
  app.get(NODES_PATH, options, async () => nodesBody(directory));
  app.get(TARGETS_PATH, options, async () => targetsBody(directory));
}
