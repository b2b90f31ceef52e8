/**
 * The nodes a fleet gateway knows: each a VPP with its own vpp-rpc server.
 * Sources feed it (a static list the gateway checks itself, or a registry
 * such as etcd that hears from the servers) by calling `upsert` and
 * `remove`; the gateway's own connection to each node's server is laid over
 * what the source says, since a node whose server the gateway cannot reach is
 * not ready whatever it last said of itself. Every change of a node as callers
 * see it is one `change` event.
 */
import { nodeNameProblem } from '../../lib/fleet/node-name.ts';
import { EventEmitter } from 'node:events';

/**
 * `ready`, or why not: the gateway's connection (`unreachable`,
 * `not_responding`), the server's VPP (`reconnecting`, …) or journal
 * (`verifying`, `replaying`), `connecting` before the first word. Sources may
 * say other states; only `ready` serves.
 */
export type NodeState =
  'ready' | 'connecting' | 'not_responding' | 'unreachable' | 'replaying' | 'verifying' | (string & {});

export interface NodeInfo {
  /** letters, digits, `.`, `_`, `-`: it is a header value, a metrics label and a registry key */
  name: string;
  /** the node's gRPC server, `host:port` */
  grpc: string;
  /** the node's server's Prometheus /metrics, `host:port` */
  metrics?: string;
  state: NodeState;
  /** why it is not ready */
  reason?: string;
  vppVersion?: string;
}

/** The gateway's own view of a node's server, when it cannot reach it: this wins over what the source says. */
export interface ConnectionTrouble {
  state: 'unreachable' | 'not_responding';
  reason: string;
}

export type NodeChange =
  | { kind: 'added'; node: NodeInfo }
  | { kind: 'changed'; node: NodeInfo; before: NodeInfo }
  | { kind: 'removed'; node: NodeInfo };

/**
 * Where nodes come from. A source adds, updates and removes nodes by calling
 * the directory's `upsert` and `remove`, from `start` until `close`.
 */
export interface NodeSource {
  start(directory: NodeDirectory): void;
  close(): void;
}

function sameNode(a: NodeInfo, b: NodeInfo): boolean {
  return (
    a.grpc === b.grpc &&
    a.metrics === b.metrics &&
    a.state === b.state &&
    a.reason === b.reason &&
    a.vppVersion === b.vppVersion
  );
}

interface Entry {
  /** as the source said it */
  reported: NodeInfo;
  trouble: ConnectionTrouble | undefined;
  /** as callers see it */
  effective: NodeInfo;
}

export class NodeDirectory extends EventEmitter<{ change: [NodeChange] }> {
  private readonly entries = new Map<string, Entry>();

  /** A node as its source reports it, new or again. Throws on a name no node may have. */
  upsert(info: NodeInfo): void {
    const problem = nodeNameProblem(info.name);
    if (problem) throw new Error(problem);
    const reported: NodeInfo = { ...info };
    if (reported.state === 'ready') delete reported.reason;
    const entry = this.entries.get(info.name);
    if (!entry) {
      const effective = reported;
      this.entries.set(info.name, { reported, trouble: undefined, effective });
      this.emit('change', { kind: 'added', node: effective });
      return;
    }
    // a new address is a new server: what the gateway knew of the old one's connection is moot
    if (entry.reported.grpc !== reported.grpc) entry.trouble = undefined;
    entry.reported = reported;
    this.update(entry);
  }

  /** The node left; false when there was none of that name. */
  remove(name: string): boolean {
    const entry = this.entries.get(name);
    if (!entry) return false;
    this.entries.delete(name);
    this.emit('change', { kind: 'removed', node: entry.effective });
    return true;
  }

  /** The gateway's own view of the node's connection: trouble, or none (its source's word stands). */
  setConnection(name: string, trouble: ConnectionTrouble | undefined): void {
    const entry = this.entries.get(name);
    if (!entry) return;
    entry.trouble = trouble;
    this.update(entry);
  }

  /** The node as callers see it. */
  get(name: string): NodeInfo | undefined {
    return this.entries.get(name)?.effective;
  }

  /** Every node as callers see it, by name. */
  list(): NodeInfo[] {
    return [...this.entries.values()].map((e) => e.effective).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  names(): string[] {
    return [...this.entries.keys()].sort();
  }

  get size(): number {
    return this.entries.size;
  }

  private update(entry: Entry): void {
    const { reported, trouble } = entry;
    const effective: NodeInfo = trouble ? { ...reported, state: trouble.state, reason: trouble.reason } : reported;
    const before = entry.effective;
    entry.effective = effective;
    if (!sameNode(before, effective)) this.emit('change', { kind: 'changed', node: effective, before });
  }
}
