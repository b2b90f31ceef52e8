/**
 * One gRPC client per node of the directory, each with its own HTTP/2
 * session, liveness probe and fail-fast state (grpc/upstream.ts), opened when
 * the node appears, replaced when its address changes, closed when it leaves.
 * Each client's trouble (unreachable, not responding) goes to the directory at
 * the moment the client knows it: a call that would fail fast on a node finds
 * the node not ready first, and is told so in the node's name.
 */
import { EventEmitter } from 'node:events';
import { HEALTH_CHECK_PATH } from '../../lib/wire-names.ts';
import { GrpcClient, type CallOptions, type GrpcCall, type GrpcClientOptions } from '../grpc/client.ts';
import type { UpstreamChange } from '../grpc/upstream.ts';
import type { ConnectionTrouble, NodeChange, NodeDirectory, NodeInfo } from './directory.ts';

/** How the gateway connects to a node's server (TLS, liveness probe). */
export type NodeClientOptions = (node: NodeInfo) => GrpcClientOptions;

/** A node's client that tells every call's outcome (a gRPC code) but its health checks'. */
class CountingClient extends GrpcClient {
  constructor(
    opts: GrpcClientOptions,
    private readonly outcome: (code: number) => void,
  ) {
    super(opts);
  }

  override open(path: string, opts?: CallOptions): GrpcCall {
    const call = super.open(path, opts);
    if (path !== HEALTH_CHECK_PATH) {
      call.once('end', () => this.outcome(0));
      call.once('error', (e) => this.outcome(e.code));
    }
    return call;
  }
}

function troubleOf(c: UpstreamChange): ConnectionTrouble | undefined {
  return (c.state === 'unreachable' || c.state === 'not_responding') && c.reason !== undefined
    ? { state: c.state, reason: c.reason }
    : undefined;
}

export class NodeClients extends EventEmitter<{ upstream: [name: string, change: UpstreamChange] }> {
  private readonly clients = new Map<string, GrpcClient>();
  private readonly follow = (c: NodeChange): void => {
    if (c.kind === 'added') this.open(c.node);
    else if (c.kind === 'removed') this.drop(c.node.name);
    else if (c.node.grpc !== c.before.grpc) {
      this.drop(c.node.name);
      this.open(c.node);
    }
  };

  constructor(
    private readonly directory: NodeDirectory,
    private readonly options: NodeClientOptions,
    /** a call to `node` ended with `code` (cancelled calls aside) */
    private readonly outcome: (node: string, code: number) => void = () => {},
  ) {
    super();
    for (const node of directory.list()) this.open(node);
    directory.on('change', this.follow);
  }

  /** The client of the node, while the directory has it. */
  get(name: string): GrpcClient | undefined {
    return this.clients.get(name);
  }

  close(): void {
    this.directory.off('change', this.follow);
    for (const name of [...this.clients.keys()]) this.drop(name);
  }

  private open(node: NodeInfo): void {
    const { name } = node;
    const client = new CountingClient(this.options(node), (code) => this.outcome(name, code));
    this.clients.set(name, client);
    client.upstream.on('state', (c) => {
      if (this.clients.get(name) !== client || c.state === 'closed') return;
      this.directory.setConnection(name, troubleOf(c));
      this.emit('upstream', name, c);
    });
    // the node's state is known, and shown, before its first call
    client.connect();
  }

  private drop(name: string): void {
    const client = this.clients.get(name);
    if (!client) return;
    this.clients.delete(name);
    client.close();
  }
}
