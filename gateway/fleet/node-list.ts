/**
 * `--nodes a=10.0.0.1:9111,b=10.0.0.2:9111/10.0.0.2:9112`: each node's name,
 * its gRPC server, and optionally after a `/` its server's /metrics address.
 */
import { parseHostPort } from '../../lib/listen.ts';
import { nodeNameProblem } from '../../lib/fleet/node-name.ts';

export interface ListedNode {
  name: string;
  grpc: string;
  metrics?: string;
}

/** The nodes of a `--nodes` value; throws an Error saying which entry is wrong and how. */
export function parseNodeList(text: string): ListedNode[] {
  const nodes: ListedNode[] = [];
  const seen = new Set<string>();
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const eq = entry.indexOf('=');
    if (eq < 0) throw new Error(`"${entry}": expected name=host:port`);
    const name = entry.slice(0, eq).trim();
    const problem = nodeNameProblem(name);
    if (problem) throw new Error(problem);
    if (seen.has(name)) throw new Error(`node ${name} is listed twice`);
    seen.add(name);
    const [grpc, metrics, ...rest] = entry
      .slice(eq + 1)
      .split('/')
      .map((s) => s.trim());
    if (rest.length > 0) throw new Error(`node ${name}: expected host:port or host:port/metrics-host:port`);
    parseHostPort(grpc!, `node ${name}`);
    if (metrics !== undefined) parseHostPort(metrics, `node ${name}'s metrics`);
    nodes.push({ name, grpc: grpc!, ...(metrics ? { metrics } : {}) });
  }
  if (nodes.length === 0) throw new Error('no node: expected name=host:port, separated by commas');
  return nodes;
}
