/**
 * A fleet gateway's own metrics, registered only when it fronts a fleet: the
 * labels of a single-server gateway stay as they are. Nodes by state, each
 * node's readiness, and the calls made to each node by gRPC code: the node
 * label stays beside the code alone, not beside the route (routes × nodes
 * would be a series per RPC per node).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { status } from '../../lib/grpc/status.ts';
import type { NodeDirectory } from './directory.ts';

/** States every scrape shows, at 0 when no node is in them, so that a query of each finds a series. */
const SHOWN_STATES = ['ready', 'connecting', 'unreachable', 'not_responding'];

export interface FleetMetrics {
  /** a call to `node` ended with the gRPC code `code` */
  callEnded(node: string, code: number): void;
}

export function fleetMetrics(registry: Registry, directory: NodeDirectory): FleetMetrics {
  const registers = [registry];
  new Gauge({
    name: 'vpp_rpc_gateway_nodes',
    help: 'Nodes of the fleet, by state',
    labelNames: ['state'],
    registers,
    collect() {
      this.reset();
      const counts = new Map<string, number>(SHOWN_STATES.map((s) => [s, 0]));
      for (const node of directory.list()) counts.set(node.state, (counts.get(node.state) ?? 0) + 1);
      for (const [state, n] of counts) this.set({ state }, n);
    },
  });
  new Gauge({
    name: 'vpp_rpc_gateway_node_ready',
    help: '1 while the node is ready for calls',
    labelNames: ['node'],
    registers,
    collect() {
      this.reset();
      for (const node of directory.list()) this.set({ node: node.name }, node.state === 'ready' ? 1 : 0);
    },
  });
  const calls = new Counter({
    name: 'vpp_rpc_gateway_node_calls_total',
    help: "gRPC calls made to each node's server (health checks aside), by status code",
    labelNames: ['node', 'code'],
    registers,
  });
  return {
    callEnded(node, code) {
      calls.inc({ node, code: status[code] ?? String(code) });
    },
  };
}
