/**
 * openapi/openapi.json: the REST gateway as OpenAPI 3.1. One operation per VPP
 * service entry on its `google.api.http` route, plus the gateway's own routes.
 */
import type { ApiModel, MessageDef, ModuleDef, ServiceDef } from '../../vpp/api/model.ts';
import { routePath, rpcName, rpcShape, serviceName, type RpcKind, type RpcShape } from '../../vpp/api/mapping.ts';
import { msgKey, protoNames, type ProtoNames } from '../proto/naming.ts';
import { parseComment } from './comments.ts';
import { coreFirst } from './core.ts';
import { requestExample, type Json } from './examples.ts';
import { ERROR_SCHEMA, errorRefs, errorResponses, errorSchema } from './responses.ts';
import type { OwnOperation, OwnServices } from './own-services.ts';
import { buildSchemas, schemaName, schemaRef, type Schema } from './schemas.ts';
import { batchPaths, batchSchemas, batchTag } from './batch.ts';
import { ndjsonContent, ndjsonHeader, SSE } from './media.ts';

export const SERVER_URL = 'http://localhost:9191';
/** Not `Gateway`: VPP has a module of that name. */
export const GATEWAY_TAG = 'REST gateway';
export const EMPTY_SCHEMA = 'google.protobuf.Empty';

export interface VppMessageRef {
  name: string;
  crc: string;
}

/** `x-vpp` of an operation: the VPP side, named as VPP's `services` name it. */
export interface VppOperation {
  module: string;
  kind: RpcKind;
  request: VppMessageRef;
  reply: VppMessageRef | null;
  stream?: true;
  stream_msg?: VppMessageRef;
  events?: VppMessageRef[];
}

export interface Operation {
  operationId: string;
  tags: string[];
  summary: string;
  description: string;
  deprecated?: true;
  parameters?: unknown[];
  requestBody?: { description: string; required: false; content: Record<string, { schema: Schema; example: Json }> };
  responses: Record<string, unknown>;
  'x-vpp'?: VppOperation;
  /** the product's own services (vpprpc.Stats): what (vpprpc.own) says */
  'x-vpprpc-own'?: OwnOperation;
}

export interface Tag {
  name: string;
  description: string;
}

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string; license: { name: string; identifier: string } };
  servers: { url: string; description: string }[];
  tags: Tag[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; responses: Record<string, unknown>; parameters: Record<string, unknown> };
}

const DESCRIPTION = `The whole FD.io VPP binary API over HTTP/JSON. Every VPP request message is an operation \
\`POST /{Service}/{Rpc}/request\`: the service is the VPP module in UpperCamelCase (\`Vpe\`, \`Interface\`, \`Ip\`), \
the RPC the request message (\`ShowVersion\`). The gateway passes each call on to the gRPC server, which talks to VPP.

Bodies are proto3 JSON with VPP's own field names (\`{"sw_if_index": 1}\`); lowerCamelCase names are accepted in \
requests too. Unknown fields are rejected. An absent field means its default: zero, false, empty, or VPP's default \
where the schema gives one. 64-bit integers are strings of digits; enums are their names (or numbers in requests); \
sets of flags are lists of names; binary data is base64; addresses, prefixes and MAC addresses are text \
("10.0.0.1", "2001:db8::/32", "02:fe:00:00:00:01").

Dumps answer with a JSON array, or one object per line as VPP sends them with ${ndjsonHeader('Accept')}. Event \
subscriptions stream events as Server-Sent Events (\`Accept: ${SSE}\`) or as NDJSON. Errors are \
\`{code, message, details}\` with the gRPC status code, under the HTTP status grpc-gateway gives that code.

Every unary RPC also has \`POST /{Service}/{Rpc}/batch\`, and \`POST /batch\` takes calls of any RPCs: many calls in \
one request, NDJSON in and out, streamed to VPP at the socket's speed (see the Batch tag).`;

const msgRef = (names: ProtoNames, message: string): Schema => ({ $ref: schemaRef(schemaName(names, msgKey(message))) });

function vppMessage(model: ApiModel, name: string): VppMessageRef {
  const m = model.messages.get(name);
  if (!m) throw new Error(`no message ${name}`);
  return { name, crc: m.crc };
}

/** The VPP side of an operation, named as VPP's `services` names it. */
function vppExtension(model: ApiModel, svc: ServiceDef, shape: RpcShape): VppOperation {
  const x: VppOperation = {
    module: svc.module,
    kind: shape.kind,
    request: vppMessage(model, svc.request),
    reply: svc.reply === null ? null : vppMessage(model, svc.reply),
  };
  if (svc.stream) x.stream = true;
  if (svc.streamMessage) x.stream_msg = vppMessage(model, svc.streamMessage);
  if (svc.events) x.events = svc.events.map((e) => vppMessage(model, e));
  return x;
}

/** What the call does at VPP, in words. */
function shapeText(svc: ServiceDef, shape: RpcShape): string {
  const req = `\`${svc.request}\``;
  const res = `\`${shape.response}\``;
  switch (shape.kind) {
    case 'unary':
      return shape.response === null
        ? `Sends VPP's ${req}, to which VPP sends no reply: the answer is \`{}\`.`
        : `Sends VPP's ${req} and answers with its reply, ${res}.`;
    case 'dump':
      return `A dump: sends VPP's ${req} and answers with every ${res} VPP sends, as a JSON array, or one per line as they arrive with ${ndjsonHeader('Accept')}.`;
    case 'cursor':
      return `Sends VPP's ${req} and answers with every ${res}, following VPP's cursor page by page until \`${svc.reply}\` ends it; a JSON array, or one per line with ${ndjsonHeader('Accept')}.`;
    case 'events':
      return `Subscribes with VPP's ${req} and streams every ${res} until the client disconnects or \`timeout\` passes, as Server-Sent Events (\`Accept: ${SSE}\`) or one JSON object per line (${ndjsonHeader('Accept')}). The subscription is shared: VPP is subscribed for the first watcher and unsubscribed after the last.`;
  }
}

function statusNotes(req: MessageDef): string[] {
  const notes: string[] = [];
  if (req.options.deprecated)
    notes.push(`Deprecated by VPP.${req.options.replacedBy ? ` Use \`${req.options.replacedBy}\` instead.` : ''}`);
  if (req.options.inProgress) notes.push('VPP marks this message as in progress: it may still change.');
  return notes;
}

function responsesOf(names: ProtoNames, shape: RpcShape): Record<string, unknown> {
  const out = shape.response === null ? { $ref: schemaRef(EMPTY_SCHEMA) } : msgRef(names, shape.response);
  let ok: Record<string, unknown>;
  switch (shape.kind) {
    case 'unary':
      ok = { description: 'The reply.', content: { 'application/json': { schema: out } } };
      break;
    case 'dump':
    case 'cursor':
      ok = {
        description: `Every entry: a JSON array by default; with ${ndjsonHeader('Accept')}, one JSON object per line, streamed.`,
        content: { 'application/json': { schema: { type: 'array', items: out } }, ...ndjsonContent({ schema: out }) },
      };
      break;
    case 'events':
      ok = {
        description: 'The events, streamed until the client disconnects or `timeout` passes; then the stream ends cleanly.',
        content: {
          [SSE]: {
            schema: {
              type: 'string',
              description: `Server-Sent Events: the \`data:\` line of each event is one ${out.$ref!.split('/').pop()} as JSON.`,
            },
          },
          ...ndjsonContent({ schema: out }),
        },
      };
  }
  return { '200': ok, ...errorRefs() };
}

function operation(model: ApiModel, names: ProtoNames, schemas: Record<string, Schema>, svc: ServiceDef): Operation {
  const req = model.messages.get(svc.request);
  if (!req) throw new Error(`service ${svc.request}: no such message`);
  const shape = rpcShape(svc);
  const doc = parseComment(req.comment);
  const rest = doc.text.split('\n').slice(1).join('\n').trim();
  const description = [rest, shapeText(svc, shape), ...statusNotes(req)].filter((s) => s !== '').join('\n\n');
  const reqSchema = schemaName(names, msgKey(svc.request));
  return {
    operationId: `${serviceName(svc.module)}_${rpcName(svc.request)}`,
    tags: [serviceName(svc.module)],
    summary: doc.summary || svc.request,
    description,
    ...(req.options.deprecated ? { deprecated: true as const } : {}),
    ...(shape.kind === 'events' ? { parameters: [{ $ref: '#/components/parameters/EventTimeout' }] } : {}),
    requestBody: {
      description: `VPP's \`${svc.request}\`. An empty body is \`{}\`.`,
      required: false,
      content: {
        'application/json': { schema: msgRef(names, svc.request), example: requestExample(svc.request, reqSchema, schemas) },
      },
    },
    responses: responsesOf(names, shape),
    'x-vpp': vppExtension(model, svc, shape),
  };
}

function moduleTag(mod: ModuleDef): Tag {
  const version = mod.version ? `version ${mod.version}` : 'no version';
  return {
    name: serviceName(mod.name),
    description: `VPP module \`${mod.name}\`, ${version} (${mod.area}/${mod.name}.api.json, API CRC ${mod.apiVersion || '-'}).`,
  };
}

const jsonOk = (description: string, schema: Schema): Record<string, unknown> => ({
  description,
  content: { 'application/json': { schema } },
});

/** The gateway's own routes: health, readiness, this document and the docs page. */
function gatewayPaths(): Record<string, Record<string, Operation>> {
  const status = { $ref: schemaRef('GatewayStatus') };
  const get = (operationId: string, summary: string, description: string, responses: Record<string, unknown>) => ({
    get: { operationId, tags: [GATEWAY_TAG], summary, description, responses },
  });
  return {
    '/healthz': get('healthz', 'Liveness', 'Answers 200 while the gateway process runs.', {
      '200': jsonOk('The gateway is up.', status),
    }),
    '/readyz': get('readyz', 'Readiness', 'Answers 200 when the gRPC server, and through it VPP, can take calls.', {
      '200': jsonOk('Ready.', status),
      '503': { $ref: '#/components/responses/Unavailable' },
    }),
    '/openapi.json': get('openApiDocument', 'This document', 'The OpenAPI document of the gateway.', {
      '200': jsonOk('The OpenAPI 3.1 document.', { type: 'object' }),
    }),
    '/': get('docsPage', 'API documentation', 'A page that renders this document.', {
      '200': { description: 'An HTML page.', content: { 'text/html': { schema: { type: 'string' } } } },
    }),
  };
}

const gatewaySchemas: Record<string, Schema> = {
  [EMPTY_SCHEMA]: {
    description: 'Nothing: the answer of calls to which VPP sends no reply.',
    type: 'object',
    additionalProperties: false,
  },
  [ERROR_SCHEMA]: errorSchema,
  GatewayStatus: {
    description: 'How the gateway is doing.',
    type: 'object',
    properties: { status: { type: 'string', examples: ['ok'] } },
  },
};

/** `own`: the product's own services (ownServicesDocument), after VPP's modules. */
export function buildDocument(model: ApiModel, version: string, own?: OwnServices): OpenApiDocument {
  const names = protoNames(model);
  const vppSchemas = buildSchemas(model, names);
  const paths: Record<string, Record<string, Operation>> = {};
  for (const mod of model.modules)
    for (const svc of mod.services) paths[routePath(mod.name, svc.request)] = { post: operation(model, names, vppSchemas, svc) };
  Object.assign(paths, batchPaths(), own?.paths ?? {}, gatewayPaths());
  const schemas = Object.fromEntries(
    Object.entries({ ...vppSchemas, ...own?.schemas, ...gatewaySchemas, ...batchSchemas }).sort(([a], [b]) => (a < b ? -1 : 1)),
  );
  const withServices = coreFirst(model.modules.filter((m) => m.services.length > 0));
  return {
    openapi: '3.1.0',
    info: {
      title: 'vpp-rpc REST gateway',
      version,
      description: DESCRIPTION,
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: SERVER_URL, description: 'The gateway on this machine' }],
    tags: [
      ...withServices.map(moduleTag),
      batchTag,
      ...(own?.tags ?? []),
      { name: GATEWAY_TAG, description: "The gateway's own routes: health, readiness and documentation." },
    ],
    paths,
    components: {
      schemas,
      responses: errorResponses(),
      parameters: {
        EventTimeout: {
          name: 'timeout',
          in: 'query',
          required: false,
          description:
            'How long to watch, e.g. `1s`, `500ms` or `2m`. When it passes the gateway ends the stream cleanly; without it the stream lasts until the client disconnects.',
          schema: { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$', examples: ['1s'] },
        },
      },
    },
  };
}
