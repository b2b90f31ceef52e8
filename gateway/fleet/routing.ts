/**
 * Where a fleet gateway sends a request: the node its `X-VPP-Node` header
 * names (or `--default-node` when it names none), or, for `*` or a list
 * `a,b`, every node named at once (a fan-out). A node the fleet does not have
 * is 404 and a node that is not ready 503, at once, saying which and why.
 */
import { status } from '../../lib/grpc/status.ts';
import type { FastifyInstance } from 'fastify';
import type { StatusDetail } from '../../lib/grpc/status-details.ts';
import { ERROR_INFO_TYPE_URL } from '../../lib/wire-names.ts';
import { badRequest, GatewayError } from '../errors.ts';
import type { GrpcClient } from '../grpc/client.ts';
import type { NodeClients } from './clients.ts';
import type { NodeDirectory, NodeInfo } from './directory.ts';

/** The header that names a request's node(s). */
export const NODE_HEADER = 'X-VPP-Node';
/** … as Node.js keys request headers */
export const NODE_HEADER_KEY = NODE_HEADER.toLowerCase();
/** the header's value that names every node */
export const ALL_NODES = '*';

declare module 'fastify' {
  interface FastifyRequest {
    /** the node(s) a fleet gateway sends the request to, for its log line; a fan-out observes and logs itself */
    fleetTarget: { nodes: string; fanOut: boolean } | null;
  }
}

/** Once per app: the request field the fleet target is kept in (null on a gateway that fronts no fleet). */
export function decorateFleetRequests(app: FastifyInstance): void {
  app.decorateRequest('fleetTarget', null);
}

/** What a request calls: a fan-out is for unary calls and dumps only. */
export type CallKind = 'unary' | 'dump' | 'events' | 'batch';

/** One node of a fan-out: its client, or the error it answers with at once. */
export interface FanOutNode {
  node: string;
  client?: GrpcClient;
  refusal?: GatewayError;
}

export type Destination =
  /** `node`: its name; none: the one server of a gateway that fronts no fleet */
  { kind: 'node'; node?: string; client: GrpcClient } | { kind: 'fan-out'; nodes: FanOutNode[] };

function nodeInfo(reason: string, metadata: Record<string, string>): StatusDetail {
  return { '@type': ERROR_INFO_TYPE_URL, reason, domain: 'vpp-rpc', metadata };
}

const ONE_AT_A_TIME: Partial<Record<CallKind, string>> = {
  events: 'an event subscription goes to one node at a time: name one node',
  batch: 'a batch goes to one node at a time: name one node',
};

export class NodeRouter {
  constructor(
    private readonly directory: NodeDirectory,
    private readonly clients: Pick<NodeClients, 'get'>,
    /** the node of a request that names none; none: such a request is refused */
    private readonly defaultNode?: string,
  ) {}

  /** The request's destination by its header's value; throws the GatewayError it is answered with. */
  destination(header: string | string[] | undefined, kind: CallKind): Destination {
    // a repeated header is a list, as Node.js joins it
    const value = (Array.isArray(header) ? header.join(',') : (header ?? '')).trim();
    if (value === '') {
      if (this.defaultNode === undefined)
        throw badRequest(
          NODE_HEADER,
          `this gateway fronts a fleet of VPP nodes: name one in the ${NODE_HEADER} header, several as a,b, or ${ALL_NODES} for all (${this.fleet()})`,
        );
      return this.single(this.defaultNode);
    }
    if (value !== ALL_NODES && !value.includes(',')) return this.single(value);
    const refused = ONE_AT_A_TIME[kind];
    if (refused) throw badRequest(NODE_HEADER, refused);
    return { kind: 'fan-out', nodes: this.named(value).map((n) => this.fanOutNode(n)) };
  }

  /** The nodes of `*` (all, whatever their state) or of a list. */
  private named(value: string): NodeInfo[] {
    if (value === ALL_NODES) {
      const all = this.directory.list();
      if (all.length === 0)
        throw new GatewayError({
          code: status.UNAVAILABLE,
          message: 'no node to call: the fleet has none',
          details: [],
        });
      return all;
    }
    const names = [...new Set(value.split(',').map((s) => s.trim()))].filter((s) => s !== '');
    if (names.includes(ALL_NODES)) throw badRequest(NODE_HEADER, `${ALL_NODES} names every node: give it alone`);
    return names.map((name) => this.directory.get(name) ?? this.throwUnknown(name));
  }

  private single(name: string): Destination {
    const node = this.directory.get(name) ?? this.throwUnknown(name);
    const refusal = this.refusalOf(node);
    if (refusal) throw refusal;
    return { kind: 'node', node: name, client: this.clients.get(name)! };
  }

  private fanOutNode(node: NodeInfo): FanOutNode {
    const refusal = this.refusalOf(node);
    return refusal ? { node: node.name, refusal } : { node: node.name, client: this.clients.get(node.name)! };
  }

  /** Why a call to the node is refused before it goes; undefined when it is ready. */
  private refusalOf(node: NodeInfo): GatewayError | undefined {
    if (node.state === 'ready' && this.clients.get(node.name)) return undefined;
    return new GatewayError({
      code: status.UNAVAILABLE,
      message: `node ${node.name} is not ready: ${node.reason ?? node.state.replaceAll('_', ' ')}`,
      details: [nodeInfo('NODE_NOT_READY', { node: node.name, state: node.state })],
    });
  }

  private throwUnknown(name: string): never {
    throw new GatewayError({
      code: status.NOT_FOUND,
      message: `no node ${name}: ${this.fleet()}`,
      details: [nodeInfo('NODE_UNKNOWN', { node: name })],
    });
  }

  private fleet(): string {
    const names = this.directory.names();
    return names.length === 0 ? 'the fleet has no nodes' : `the fleet has ${names.join(', ')}`;
  }
}
