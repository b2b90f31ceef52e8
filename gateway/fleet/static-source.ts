/**
 * The nodes of `--nodes`, whose state the gateway learns itself: each node's
 * server answers the gRPC health check (grpc/readiness.ts) with SERVING, or
 * says why not (its VPP's state, its journal's), or cannot be asked (the
 * gateway's connection to it is down). Checked every few seconds, and at once
 * when the connection to a node comes back.
 */
import { checkReady, type Readiness } from '../grpc/readiness.ts';
import type { GrpcClient } from '../grpc/client.ts';
import type { NodeClients } from './clients.ts';
import type { NodeDirectory, NodeSource, NodeState } from './directory.ts';
import type { ListedNode } from './node-list.ts';

export interface StaticSourceOptions {
  /** how often each node is checked */
  intervalMs: number;
  /** how long a health check may wait for its answer */
  checkTimeoutMs: number;
  /** the node's VPP version, asked when it becomes ready; undefined when it cannot be learnt */
  versionOf?: (client: GrpcClient) => Promise<string | undefined>;
}

/** The state a health check's answer means, and why it is not ready. */
export function stateOfReadiness(r: Readiness): { state: NodeState; reason?: string } {
  if (r.ready) return { state: 'ready' };
  const state = r.grpc ?? r.vpp ?? r.status.toLowerCase();
  return { state, ...(r.reason ? { reason: r.reason } : {}) };
}

export class StaticSource implements NodeSource {
  private directory: NodeDirectory | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** nodes whose check is under way, and whether another was asked for meanwhile */
  private readonly checking = new Map<string, boolean>();
  /** each ready node's VPP version, asked once it became ready (undefined: it could not be learnt) */
  private readonly versions = new Map<string, string | undefined>();
  private closed = false;
  private readonly onUpstream = (name: string, c: { state: string }): void => {
    if (c.state === 'ready') this.check(name);
    else if (c.state === 'unreachable' || c.state === 'not_responding') {
      // a server that went away may come back with another VPP, or as a new process still
      // connecting to its VPP: what it said before is not what it will say
      this.versions.delete(name);
      this.unheard(name, 'the gateway has not heard from it since its connection came back');
    }
  };

  constructor(
    private readonly nodes: ListedNode[],
    private readonly clients: NodeClients,
    private readonly opts: StaticSourceOptions,
  ) {}

  start(directory: NodeDirectory): void {
    this.directory = directory;
    for (const node of this.nodes) this.unheard(node.name, 'the gateway has not heard from it yet');
    this.clients.on('upstream', this.onUpstream);
    this.timer = setInterval(() => this.checkAll(), this.opts.intervalMs);
    this.timer.unref();
    this.checkAll();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.clients.off('upstream', this.onUpstream);
  }

  /**
   * The node's state is unknown until its next check answers. While its connection is down the
   * directory shows that instead; once it is back, this, and not the state from before.
   */
  private unheard(name: string, reason: string): void {
    const node = this.nodes.find((n) => n.name === name);
    if (node && this.directory) this.directory.upsert({ ...node, state: 'connecting', reason });
  }

  private checkAll(): void {
    for (const node of this.nodes) this.check(node.name);
  }

  private check(name: string): void {
    if (this.checking.has(name)) {
      this.checking.set(name, true);
      return;
    }
    this.checking.set(name, false);
    void this.run(name).finally(() => {
      const again = this.checking.get(name);
      this.checking.delete(name);
      if (again && !this.closed) this.check(name);
    });
  }

  private async run(name: string): Promise<void> {
    const node = this.nodes.find((n) => n.name === name)!;
    const client = this.clients.get(name);
    const directory = this.directory;
    if (!client || !directory) return;
    const { state, reason } = stateOfReadiness(await checkReady(client, this.opts.checkTimeoutMs));
    if (this.closed) return;
    if (state !== 'ready') this.versions.delete(name);
    else if (!this.versions.has(name)) {
      // asked once per return to service: VPP may have been upgraded meanwhile
      const version = await this.opts.versionOf?.(client).catch(() => undefined);
      if (this.closed) return;
      this.versions.set(name, version);
    }
    const vppVersion = this.versions.get(name);
    directory.upsert({
      ...node,
      state,
      ...(reason ? { reason } : {}),
      ...(vppVersion ? { vppVersion } : {}),
    });
  }
}
