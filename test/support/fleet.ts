/**
 * A fleet as separate processes for end-to-end tests: per node a simulator
 * and a gRPC server (a stack without gateway), and one gateway started with
 * `--nodes` in front of them all (or with `--etcd`, in front of the nodes
 * registered there).
 */
import { portOf, startChild, type Child } from '../../lib/child.ts';
import { request } from './http.ts';
import { waitFor } from './observe.ts';
import { READY_MS, startStack, type Stack } from './stack.ts';

export interface Fleet {
  /** each node's simulator and server, by name */
  nodes: Record<string, Stack>;
  gateway: Child;
  rest: string;
  gatewayMetricsPort: number;
  /** the `--nodes` value the gateway was started with */
  nodesArg: string;
  stop(): Promise<void>;
}

export interface FleetOptions {
  gatewayArgs?: string[];
  serverArgs?: string[];
  echo?: boolean;
}

export interface NodeView {
  name: string;
  state: string;
  reason?: string;
  grpc: string;
  metrics?: string;
  vpp_version?: string;
}

/** A fleet gateway on free loopback ports: `args` say where its nodes come from (`--nodes`, `--etcd`). */
export function startFleetGateway(args: string[], echo = false): Promise<Child> {
  return startChild({
    name: 'gateway',
    entry: 'gateway/main.ts',
    args: ['--listen', '127.0.0.1:0', '--metrics-listen', '127.0.0.1:0', ...args],
    env: { LOG_LEVEL: 'info' },
    readyMessage: 'REST gateway listening',
    timeoutMs: READY_MS,
    echo,
  });
}

export async function startFleet(names: string[], opts: FleetOptions = {}): Promise<Fleet> {
  const nodes: Record<string, Stack> = {};
  let gateway: Child | undefined;
  try {
    // one after the other: the machine's cores are shared
    for (const name of names)
      nodes[name] = await startStack({ gateway: false, serverArgs: opts.serverArgs, echo: opts.echo });
    const nodesArg = names
      .map((n) => `${n}=${nodes[n]!.grpcTarget}/127.0.0.1:${nodes[n]!.serverMetricsPort}`)
      .join(',');
    gateway = await startFleetGateway(['--nodes', nodesArg, ...(opts.gatewayArgs ?? [])], opts.echo);
    const g = gateway;
    return {
      nodes,
      gateway: g,
      rest: `http://127.0.0.1:${portOf(g.ready.rest)}`,
      gatewayMetricsPort: portOf(g.ready.metrics),
      nodesArg,
      async stop() {
        await g.stop(3000);
        await Promise.all(Object.values(nodes).map((s) => s.stop()));
      },
    };
  } catch (e) {
    await gateway?.kill();
    await Promise.all(Object.values(nodes).map((s) => s.stop()));
    throw e;
  }
}

/** The gateway's view of its nodes (`GET /nodes`). */
export async function nodesOf(fleet: Pick<Fleet, 'rest'>): Promise<NodeView[]> {
  const r = await request(`${fleet.rest}/nodes`);
  if (r.status !== 200) throw new Error(`GET /nodes: ${r.status} ${r.text}`);
  return (r.json as { nodes: NodeView[] }).nodes;
}

/** Until the gateway says `name` is in `state`. */
export async function untilNodeState(
  fleet: Pick<Fleet, 'rest'>,
  name: string,
  state: string,
  timeoutMs = 60_000,
): Promise<void> {
  await waitFor(
    `node ${name} ${state}`,
    async () => (await nodesOf(fleet)).find((n) => n.name === name)?.state === state,
    timeoutMs,
  );
}

/** Until every node is ready. */
export async function untilFleetReady(fleet: Fleet, timeoutMs = 60_000): Promise<void> {
  await waitFor('every node ready', async () => (await nodesOf(fleet)).every((n) => n.state === 'ready'), timeoutMs);
}
