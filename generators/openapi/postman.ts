/**
 * openapi/vpp-rpc.postman_collection.json: a Postman v2.1 collection made from
 * the OpenAPI document, one request per operation in one folder per module,
 * with tests on the core requests so that newman can run it as a smoke test.
 */
import type { Json } from './examples.ts';
import { GATEWAY_TAG, SERVER_URL, type OpenApiDocument, type Operation } from './document.ts';
import { CORE_REQUESTS, LOOPBACK_VAR, type CoreRequest } from './postman-tests.ts';
import { BATCH_REQUESTS, BATCH_TAG, batchTag, type BatchRequest } from './batch.ts';
import { NDJSON } from './media.ts';

export const POSTMAN_SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';
export const EVENT_TIMEOUT = '1s';

interface Header {
  key: string;
  value: string;
}

export interface PostmanRequestItem {
  name: string;
  request: {
    method: 'POST';
    header: Header[];
    body: { mode: 'raw'; raw: string; options?: { raw: { language: 'json' } } };
    url: { raw: string; host: string[]; path: string[]; query?: Header[] };
    description: string;
  };
  event?: { listen: 'test'; script: { type: 'text/javascript'; exec: string[] } }[];
}

export interface PostmanFolder {
  name: string;
  description: string;
  item: PostmanRequestItem[];
}

export interface PostmanCollection {
  info: { name: string; description: string; schema: string };
  item: PostmanFolder[];
  variable: { key: string; value: string; type: 'string' }[];
}

const varRef = (name: string): string => `{{${name}}}`;

/** The body text, with the values at `uses` replaced by bare `{{variable}}` references. */
function bodyText(example: Json, uses: CoreRequest['uses']): string {
  const copy = structuredClone(example);
  for (const u of uses ?? []) {
    let at = copy as Record<string | number, Json>;
    for (const k of u.path.slice(0, -1)) at = at[k] as Record<string | number, Json>;
    at[u.path[u.path.length - 1]!] = varRef(u.variable);
  }
  let text = JSON.stringify(copy, null, 2);
  for (const u of uses ?? []) text = text.replaceAll(JSON.stringify(varRef(u.variable)), varRef(u.variable));
  return text;
}

function requestItem(route: string, op: Operation, core: CoreRequest | undefined): PostmanRequestItem {
  const events = op['x-vpp']?.kind === 'events' || op['x-vpprpc-own']?.open_stream === true;
  const path = route.split('/').filter((s) => s !== '');
  const url: PostmanRequestItem['request']['url'] = { raw: `${varRef('baseUrl')}${route}`, host: [varRef('baseUrl')], path };
  if (events) {
    // the gateway ends an event stream cleanly when the timeout passes, so the run goes on
    url.raw += `?timeout=${EVENT_TIMEOUT}`;
    url.query = [{ key: 'timeout', value: EVENT_TIMEOUT }];
  }
  const example = op.requestBody?.content['application/json']?.example ?? {};
  const item: PostmanRequestItem = {
    name: op.operationId.split('_').slice(1).join('_'),
    request: {
      method: 'POST',
      header: [
        { key: 'Content-Type', value: 'application/json' },
        { key: 'Accept', value: events ? NDJSON : 'application/json' },
      ],
      body: { mode: 'raw', raw: bodyText(example, core?.uses), options: { raw: { language: 'json' } } },
      url,
      description: [op.summary, op.description].filter(Boolean).join('\n\n'),
    },
  };
  if (core?.tests) item.event = [{ listen: 'test', script: { type: 'text/javascript', exec: [...core.tests] } }];
  return item;
}

/** A request of the batch folder: NDJSON in and out. */
function batchItem(b: BatchRequest): PostmanRequestItem {
  return {
    name: b.name,
    request: {
      method: 'POST',
      header: [
        { key: 'Content-Type', value: NDJSON },
        { key: 'Accept', value: NDJSON },
      ],
      body: { mode: 'raw', raw: b.body },
      url: { raw: `${varRef('baseUrl')}${b.path}`, host: [varRef('baseUrl')], path: b.path.split('/').filter((s) => s !== '') },
      description: 'Many calls in one request: one NDJSON line per item, answered line by line in order.',
    },
    event: [{ listen: 'test', script: { type: 'text/javascript', exec: [...b.tests] } }],
  };
}

export function buildCollection(doc: OpenApiDocument): PostmanCollection {
  const byTag = new Map<string, { route: string; op: Operation }[]>();
  for (const [route, methods] of Object.entries(doc.paths)) {
    const op = methods.post;
    if (!op) continue;
    const tag = op.tags[0]!;
    byTag.set(tag, [...(byTag.get(tag) ?? []), { route, op }]);
  }
  const coreOf = (op: Operation): CoreRequest | undefined => CORE_REQUESTS.find((c) => c.request === op['x-vpp']?.request.name);
  const rank = (op: Operation): number => {
    const core = coreOf(op);
    return core ? CORE_REQUESTS.indexOf(core) : CORE_REQUESTS.length;
  };
  const folders: PostmanFolder[] = [];
  for (const tag of doc.tags) {
    if (tag.name === GATEWAY_TAG) continue;
    if (tag.name === BATCH_TAG) {
      folders.push({ name: BATCH_TAG, description: batchTag.description, item: BATCH_REQUESTS.map(batchItem) });
      continue;
    }
    // core requests first, in running order; the rest as VPP lists them (the sort is stable)
    const ops = [...(byTag.get(tag.name) ?? [])].sort((a, b) => rank(a.op) - rank(b.op));
    folders.push({ name: tag.name, description: tag.description, item: ops.map(({ route, op }) => requestItem(route, op, coreOf(op))) });
  }
  return {
    info: { name: 'vpp-rpc', description: doc.info.description, schema: POSTMAN_SCHEMA },
    item: folders,
    variable: [
      { key: 'baseUrl', value: SERVER_URL, type: 'string' },
      { key: LOOPBACK_VAR, value: '1', type: 'string' },
    ],
  };
}
