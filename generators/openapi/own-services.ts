/**
 * The product's own services (the protos of api/, copied into proto/, whose
 * RPCs carry (vpprpc.own), such as vpprpc.Stats) in the OpenAPI document: one
 * operation per google.api.http route, schemas from the proto messages as the
 * gateway reads and writes them (proto3 JSON, proto field names).
 */
import protobuf from 'protobufjs';
import { loadServiceRoot, optionOf, serviceMethods } from '../../lib/protobuf/index.ts';
import type { Json } from './examples.ts';
import { errorRefs } from './responses.ts';
import { ndjsonContent, SSE } from './media.ts';
import { schemaRef, type Schema } from './schemas.ts';
import type { Operation, Tag } from './document.ts';


/** What (vpprpc.own) says of an operation. */
export interface OwnOperation {
  service: string;
  reads_only: boolean;
  open_stream: boolean;
}

export interface OwnServices {
  paths: Record<string, Record<string, Operation>>;
  schemas: Record<string, Schema>;
  tags: Tag[];
}

/**
 * The own protos that declare a service (`own`: path → text, as
 * generators/proto's ownProtos reads api/), parsed from their copies in
 * `protoDir` beside what they import; null when there are none.
 */
export function loadOwnServices(protoDir: string, own: Map<string, string>): protobuf.Root | null {
  const files = [...own]
    .filter(([, text]) => /^service /m.test(text))
    .map(([path]) => path)
    .sort();
  return files.length ? loadServiceRoot(protoDir, files) : null;
}

const nameOf = (t: protobuf.ReflectionObject): string => t.fullName.replace(/^\./, '');

/** A proto comment as description text (protobufjs keeps `//` comments with alternateCommentMode). */
const text = (c: string | null | undefined): string => (c ?? '').replace(/\s*\n\s*/g, ' ').trim();

function scalarSchema(type: string): Schema | undefined {
  switch (type) {
    case 'double':
    case 'float':
      return { type: 'number' };
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return { type: 'integer', minimum: -0x80000000, maximum: 0x7fffffff };
    case 'uint32':
    case 'fixed32':
      return { type: 'integer', minimum: 0, maximum: 0xffffffff };
    case 'uint64':
    case 'fixed64':
      return { type: 'string', format: 'uint64', pattern: '^[0-9]+$' };
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return { type: 'string', format: 'int64', pattern: '^-?[0-9]+$' };
    case 'bool':
      return { type: 'boolean' };
    case 'string':
      return { type: 'string' };
    case 'bytes':
      return { type: 'string', contentEncoding: 'base64' };
    default:
      return undefined;
  }
}

/** Schemas of a message and of every message and enum it reaches, into `out`. */
function addSchemas(type: protobuf.Type | protobuf.Enum, out: Record<string, Schema>): void {
  const name = nameOf(type);
  if (out[name]) return;
  if (type instanceof protobuf.Enum) {
    out[name] = {
      description: text(type.comment) || undefined,
      type: 'string',
      enum: Object.keys(type.values),
    } as Schema;
    return;
  }
  const properties: Record<string, Schema> = {};
  out[name] = { description: text(type.comment) || undefined, type: 'object', properties, additionalProperties: false } as Schema;
  for (const f of type.fieldsArray) {
    f.resolve();
    const target = f.resolvedType;
    let s: Schema;
    if (target) {
      addSchemas(target as protobuf.Type | protobuf.Enum, out);
      s = { $ref: schemaRef(nameOf(target)) };
    } else s = scalarSchema(f.type) ?? {};
    if (f.repeated) s = { type: 'array', items: s };
    const doc = text(f.comment);
    properties[f.name] = doc ? ({ ...s, description: doc } as Schema) : s;
  }
}

/** How an own RPC answers: one message, a stream that ends, or a stream that lasts until the caller leaves. */
type Answer = 'unary' | 'stream' | 'open';

function responses(item: Schema, answer: Answer): Record<string, unknown> {
  const name = item.$ref ? item.$ref.split('/').pop() : 'object';
  const ok =
    answer === 'open'
      ? {
          description: 'Streamed until the client disconnects or `timeout` passes; then the stream ends cleanly.',
          content: {
            [SSE]: {
              schema: {
                type: 'string',
                description: `Server-Sent Events: the \`data:\` line of each event is one ${name} as JSON.`,
              },
            },
            ...ndjsonContent({ schema: item }),
          },
        }
      : answer === 'stream'
        ? {
            description: 'Every message: a JSON array by default, or one per line with `Accept: application/x-ndjson`.',
            content: { 'application/json': { schema: { type: 'array', items: item } }, ...ndjsonContent({ schema: item }) },
          }
        : { description: 'The answer.', content: { 'application/json': { schema: item } } };
  return { '200': ok, ...errorRefs() };
}

/** A json_lines method's messages carry one JSON value each: REST gives that value. */
const JSON_LINE: Schema = {
  type: 'object',
  description: 'A JSON object, as the line of a batch: `{"rpc", "id", "request", "refs"}` (see POST /batch).',
} as Schema;

/** Paths, schemas and tags of every RPC with (vpprpc.own) and a google.api.http rule. */
export function ownServicesDocument(root: protobuf.Root): OwnServices {
  const paths: OwnServices['paths'] = {};
  const schemas: Record<string, Schema> = {};
  const tags = new Map<string, Tag>();
  for (const { service, method: m } of serviceMethods(root)) {
    const own = optionOf<{ reads_only?: boolean; open_stream?: boolean; json_lines?: boolean }>(m, '(vpprpc.own)');
    const rule = optionOf<{ post?: string }>(m, '(google.api.http)');
    if (!own || !rule?.post) continue;
    const svc = root.lookupService(service);
    const tag = service.slice(service.lastIndexOf('.') + 1);
    if (!tags.has(tag))
      tags.set(tag, { name: tag, description: `${text(svc.comment) || `vpp-rpc's own service ${service}.`}` });
    const req = m.resolvedRequestType!;
    const res = m.resolvedResponseType!;
    addSchemas(req, schemas);
    addSchemas(res, schemas);
    const stream = own.open_stream === true;
    const answer: Answer = stream ? 'open' : m.responseStream ? 'stream' : 'unary';
    const doc = text(m.comment);
    const reads = own.reads_only ? 'Changes nothing: served in read-only mode.' : '';
    const op: Operation & { 'x-vpprpc-own': OwnOperation } = {
      operationId: `${tag}_${m.name}`,
      tags: [tag],
      summary: doc.split('. ')[0]!.replace(/\.$/, '') || m.name,
      description: [doc, reads].filter(Boolean).join('\n\n'),
      ...(stream ? { parameters: [{ $ref: '#/components/parameters/EventTimeout' }] } : {}),
      requestBody: {
        description: `\`${nameOf(req)}\`. An empty body is \`{}\`.`,
        required: false,
        content: { 'application/json': { schema: { $ref: schemaRef(nameOf(req)) }, example: {} as Json } },
      },
      responses: responses(own.json_lines ? JSON_LINE : { $ref: schemaRef(nameOf(res)) }, answer),
      'x-vpprpc-own': { service, reads_only: own.reads_only === true, open_stream: stream },
    };
    paths[rule.post] = { post: op };
  }
  return { paths, schemas, tags: [...tags.values()] };
}
