/**
 * The OpenAPI document of a fleet gateway: every API operation takes the
 * `X-VPP-Node` header (its nodes' names and `*` as an enum, so that Swagger UI
 * offers a picker), and the document has `/nodes` and `/nodes/targets`.
 */
import { NDJSON_MEDIA_TYPE } from '../../lib/wire-names.ts';
import { ALL_NODES, NODE_HEADER } from './routing.ts';
import { NODES_PATH, TARGETS_PATH } from './routes.ts';

export interface FleetDocumentOptions {
  /** the nodes the gateway knows now, by name */
  nodes: string[];
  /** the node of a request that names none */
  defaultNode?: string;
}

interface Operation {
  parameters?: unknown[];
  [key: string]: unknown;
}

interface Document {
  paths?: Record<string, Record<string, Operation>>;
  components?: { parameters?: Record<string, unknown>; schemas?: Record<string, unknown> };
}

const TAG = 'REST gateway';

function headerParameter(opts: FleetDocumentOptions): Record<string, unknown> {
  const which = opts.defaultNode
    ? `Without it the call goes to node \`${opts.defaultNode}\`.`
    : 'Without it the gateway answers 400.';
  return {
    name: NODE_HEADER,
    in: 'header',
    required: opts.defaultNode === undefined,
    description:
      `The node (a VPP and its vpp-rpc server) the call goes to. ${which} An unknown node is 404, a node that is not ready 503. ` +
      `\`${ALL_NODES}\` (every node) or a list \`a,b\` calls each node at once, on unary and dump routes: the answer is ` +
      `${NDJSON_MEDIA_TYPE}, a line per node as each answers (\`{"node", "reply"}\` or \`{"node", "error"}\`; ` +
      'of a dump, a line per entry), each node within the deadline of its own. See `GET /nodes`.',
    schema: { type: 'string', ...(opts.nodes.length > 0 ? { enum: [...opts.nodes, ALL_NODES] } : {}) },
  };
}

const NODE_SCHEMA = {
  type: 'object',
  required: ['name', 'state', 'grpc'],
  properties: {
    name: { type: 'string' },
    state: {
      type: 'string',
      description:
        '`ready`, or why not: `connecting`, `unreachable`, `not_responding` (its server), its VPP (`reconnecting`, …) or journal (`verifying`, `replaying`)',
    },
    reason: { type: 'string', description: 'why it is not ready' },
    grpc: { type: 'string', description: "the node's gRPC server, host:port" },
    metrics: { type: 'string', description: "its server's Prometheus /metrics, host:port" },
    vpp_version: { type: 'string' },
  },
};

const TARGET_GROUP_SCHEMA = {
  type: 'object',
  required: ['targets', 'labels'],
  properties: {
    targets: { type: 'array', items: { type: 'string' } },
    labels: { type: 'object', properties: { node: { type: 'string' } } },
  },
};

function json(schema: unknown): Record<string, unknown> {
  return { content: { 'application/json': { schema } } };
}

const FLEET_PATHS = {
  [NODES_PATH]: {
    get: {
      operationId: 'nodes',
      tags: [TAG],
      summary: 'The fleet',
      description: "The nodes this gateway fronts, by name, with each one's state.",
      responses: {
        '200': {
          description: 'The nodes.',
          ...json({
            type: 'object',
            required: ['nodes'],
            properties: { nodes: { type: 'array', items: { $ref: '#/components/schemas/FleetNode' } } },
          }),
        },
      },
    },
  },
  [TARGETS_PATH]: {
    get: {
      operationId: 'nodeTargets',
      tags: [TAG],
      summary: 'Prometheus targets',
      description:
        "Prometheus HTTP service discovery (`http_sd_configs`): each node's server /metrics, labelled `node`.",
      responses: {
        '200': {
          description: 'A target group per node that has a metrics address.',
          ...json({ type: 'array', items: { $ref: '#/components/schemas/FleetTargetGroup' } }),
        },
      },
    },
  },
};

/** Adapts the generated document (parsed) to a fleet gateway, in place. */
export function addFleet(document: object, opts: FleetDocumentOptions): void {
  const doc = document as Document;
  const components = (doc.components ??= {});
  components.parameters = { ...components.parameters, VppNode: headerParameter(opts) };
  components.schemas = { ...components.schemas, FleetNode: NODE_SCHEMA, FleetTargetGroup: TARGET_GROUP_SCHEMA };
  const ref = { $ref: '#/components/parameters/VppNode' };
  const paths = (doc.paths ??= {});
  // the API's operations are its POSTs; the gateway's own routes are GETs
  for (const item of Object.values(paths)) {
    const op = item.post;
    if (op) op.parameters = [...(op.parameters ?? []), ref];
  }
  const readyz = paths['/readyz']?.get;
  if (readyz) readyz.description = 'Answers 200 while at least one node of the fleet is ready, saying how many are.';
  Object.assign(paths, FLEET_PATHS);
}
