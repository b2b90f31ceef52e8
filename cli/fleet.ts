/**
 * The CLI in front of a fleet: `vpp-rpc nodes` lists what a fleet gateway's
 * `GET /nodes` says, and `--node <name>` finds a node there. The gateway is
 * the one place that knows the fleet (its `--nodes`, or etcd), so the CLI asks
 * it rather than keeping a list of its own.
 */

/** The fleet gateway when neither --gateway nor VPP_RPC_GATEWAY names one. */
export const DEFAULT_GATEWAY = 'http://localhost:9191';

export interface GatewayOptions {
  /** the fleet gateway's base URL */
  gateway: string;
  token?: string;
  /** ms */
  timeout: number;
}

/** A node as `GET /nodes` answers it. */
export interface FleetNode {
  name: string;
  state: string;
  reason?: string;
  grpc: string;
  metrics?: string;
  vpp_version?: string;
}

/** What the user is told on one line (exit 1): the gateway cannot be asked, or the node cannot be used. */
export class FleetError extends Error {}

/** `base` + `path`, whether or not the base ends with a slash. */
export function gatewayUrl(base: string, path: string): URL {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new FleetError(`--gateway: "${base}" is not a URL (e.g. http://localhost:9191)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new FleetError(`--gateway: "${base}" is not an http:// or https:// URL`);
  return new URL(path.replace(/^\//, ''), url.href.endsWith('/') ? url.href : `${url.href}/`);
}

export function gatewayHeaders(o: GatewayOptions, extra: Record<string, string> = {}): Record<string, string> {
  return { ...(o.token ? { authorization: `Bearer ${o.token}` } : {}), ...extra };
}

/** The message of a gateway's error body (`{"code", "message", "details"}`), or the status line. */
export function errorMessageOf(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown };
    if (typeof body.message === 'string' && body.message !== '') return body.message;
  } catch {
    // not the gateway's JSON: say what came
  }
  return `HTTP ${status}${text.trim() ? `: ${text.trim().slice(0, 200)}` : ''}`;
}

/** fetch, with the CLI's timeout and a one-line error when the gateway cannot be reached. */
export async function askGateway(o: GatewayOptions, path: string, init: RequestInit = {}): Promise<Response> {
  const url = gatewayUrl(o.gateway, path);
  try {
    return await fetch(url, { signal: AbortSignal.timeout(o.timeout), ...init });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const why =
      err.name === 'TimeoutError'
        ? `no answer within ${o.timeout} ms`
        : (err.cause?.code ?? err.cause?.message ?? err.message);
    throw new FleetError(`cannot reach the fleet gateway at ${o.gateway}: ${why}`);
  }
}

/** The fleet as the gateway knows it. */
export async function listNodes(o: GatewayOptions): Promise<FleetNode[]> {
  const res = await askGateway(o, '/nodes', { headers: gatewayHeaders(o, { accept: 'application/json' }) });
  const text = await res.text();
  if (res.status === 404)
    throw new FleetError(`${o.gateway} is not a fleet gateway: it has no /nodes (a gateway started with --nodes has)`);
  if (res.status !== 200) throw new FleetError(`GET ${o.gateway}/nodes: ${errorMessageOf(res.status, text)}`);
  let nodes: unknown;
  try {
    nodes = (JSON.parse(text) as { nodes?: unknown }).nodes;
  } catch {
    nodes = undefined;
  }
  if (!Array.isArray(nodes)) throw new FleetError(`GET ${o.gateway}/nodes: not a node list`);
  return nodes as FleetNode[];
}

/** The ready node named `name`, or a FleetError saying why it cannot be used. */
export async function readyNode(o: GatewayOptions, name: string): Promise<FleetNode> {
  const nodes = await listNodes(o);
  const node = nodes.find((n) => n.name === name);
  if (!node) {
    const fleet = nodes.length === 0 ? 'it has no nodes' : `it has ${nodes.map((n) => n.name).join(', ')}`;
    throw new FleetError(`no node ${name} in the fleet at ${o.gateway}: ${fleet}`);
  }
  if (node.state !== 'ready')
    throw new FleetError(`node ${name} is not ready: ${node.reason ?? node.state.replaceAll('_', ' ')}`);
  return node;
}

/** `vpp-rpc nodes`: a table (name, state, gRPC address, VPP version) or the gateway's JSON. */
export async function nodesCommand(o: GatewayOptions & { json?: boolean }): Promise<number> {
  let nodes: FleetNode[];
  try {
    nodes = await listNodes(o);
  } catch (e) {
    if (!(e instanceof FleetError)) throw e;
    process.stderr.write(`vpp-rpc: ${e.message}\n`);
    return 1;
  }
  if (o.json) {
    process.stdout.write(JSON.stringify({ nodes }, null, 2) + '\n');
    return 0;
  }
  const rows = [['NAME', 'STATE', 'GRPC', 'VPP'], ...nodes.map((n) => [n.name, n.state, n.grpc, n.vpp_version ?? '-'])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows)
    process.stdout.write(
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd() + '\n',
    );
  // why a node is not ready does not fit a column
  for (const n of nodes) if (n.reason) process.stdout.write(`${n.name}: ${n.reason}\n`);
  return 0;
}
