/**
 * The batch routes in the OpenAPI document and the Postman collection. Every
 * unary RPC has `POST /{Service}/{Rpc}/batch`; one parametrized operation
 * documents them all (a copy per RPC would double a 4.5 MB document for
 * nothing the pattern does not say), and `POST /batch` takes items of any RPC.
 */
import type { Operation } from './document.ts';
import { ERROR_SCHEMA, errorRefs } from './responses.ts';
import type { Schema } from './schemas.ts';
import { ndjsonContent, ndjsonHeader } from './media.ts';

export const BATCH_TAG = 'Batch';
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

export const batchTag = {
  name: BATCH_TAG,
  description:
    'Many calls in one request, streamed to VPP over one gRPC stream at the socket\'s speed: `POST /{Service}/{Rpc}/batch` for every unary RPC, `POST /batch` for items of any RPCs.',
};

const COMMON = `The body is NDJSON (${ndjsonHeader('Content-Type')}), one item per line, read as it arrives: a body of a million lines never sits in the gateway's memory, and the gateway reads no further while VPP, the gRPC server or the reader of the answer lags. The answer streams back as NDJSON (under the name Accept or else Content-Type gave), one line per item, in the items' order, as the replies come. Blank lines are no items. For small batches, a JSON array (\`Content-Type: application/json\`, at most --body-limit bytes) is answered by a JSON array.

The status is 200 once the batch starts: each item carries its own error, in the error shape of the unary routes (\`{code, message, details}\`). A line that is not JSON, or that has an unknown field or a value of the wrong type, is answered INVALID_ARGUMENT naming the field; the rest go on. An error of the whole stream (the gRPC server or VPP going away, the deadline) answers every item not answered yet, and every later line of the body, with that error: the answer always has one line per item. 4xx answers come only before the first item: a content type other than NDJSON or JSON, a bad option, authentication, rate limit.

Options: \`stop_on_error=true\` stops at the first item that fails: items sent before it are answered, every later item is answered ABORTED without being sent. \`window=N\`: requests in flight to VPP at once (the server's default otherwise). \`timeout\`: a deadline for the whole batch (none by default).`;

const options = [
  {
    name: 'stop_on_error',
    in: 'query',
    required: false,
    description: 'Stop at the first item that fails; every later item is answered ABORTED, unsent.',
    schema: { type: 'boolean', default: false },
  },
  {
    name: 'window',
    in: 'query',
    required: false,
    description: "Requests in flight to VPP at once; the server's default when left out.",
    schema: { type: 'integer', minimum: 1, maximum: 4294967295 },
  },
  {
    name: 'timeout',
    in: 'query',
    required: false,
    description: 'A deadline for the whole batch, e.g. `30s` or `5m`; none by default.',
    schema: { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)?$', examples: ['5m'] },
  },
];

const singleExample = '{"is_add":true,"route":{"prefix":"10.1.0.0/24","paths":[{"sw_if_index":4294967295,"nh":{"address":{"ip4":"192.0.2.1"}}}]}}\n{"is_add":true,"route":{"prefix":"10.1.1.0/24","paths":[{"sw_if_index":4294967295,"nh":{"address":{"ip4":"192.0.2.1"}}}]}}\n';
const mixedExample = '{"rpc":"Memclnt/ControlPing","id":1}\n{"rpc":"Vpe/ShowVersion","id":"v"}\n';

const singleOp: Operation = {
  operationId: 'batch_single',
  tags: [BATCH_TAG],
  summary: 'Many calls of one unary RPC',
  description: `Every unary RPC \`POST /{Service}/{Rpc}/request\` has \`POST /{Service}/{Rpc}/batch\`: each item is a body exactly as the unary route takes it; each answer line is the unary reply, or the item's error. Lines carry no index: the n-th answer answers the n-th item.\n\n${COMMON}`,
  parameters: [
    {
      name: 'Service',
      in: 'path',
      required: true,
      description: 'The service, as in the unary route (`Ip`).',
      schema: { type: 'string' },
      example: 'Ip',
    },
    {
      name: 'Rpc',
      in: 'path',
      required: true,
      description: 'A unary RPC of the service, as in the unary route (`IpRouteAddDel`); dumps and event subscriptions have no batch route.',
      schema: { type: 'string' },
      example: 'IpRouteAddDel',
    },
    ...options,
  ],
  requestBody: {
    description: "The items: NDJSON, one request body per line, or a JSON array of them.",
    required: false,
    content: {
      ...ndjsonContent({ schema: { type: 'string', description: 'One JSON request body per line.' }, example: singleExample }),
      'application/json': { schema: { type: 'array', items: { type: 'object' } }, example: [{}, {}] },
    },
  },
  responses: {
    '200': {
      description: "One answer per item, in order: the RPC's reply, or the item's error.",
      content: {
        ...ndjsonContent({ schema: { oneOf: [{ type: 'object', description: "The RPC's reply." }, ref(ERROR_SCHEMA)] } }),
        'application/json': {
          schema: { type: 'array', items: { oneOf: [{ type: 'object', description: "The RPC's reply." }, ref(ERROR_SCHEMA)] } },
        },
      },
    },
    ...errorRefs(),
  },
};

const mixedOp: Operation = {
  operationId: 'batch_mixed',
  tags: [BATCH_TAG],
  summary: 'Many calls of any unary RPCs',
  description: `Each item names its RPC and carries its request and, if the caller likes, an id: \`{"rpc": "Ip/IpRouteAddDel", "id": 7, "request": {…}}\` (\`rpc\` as in the routes, \`Service/Rpc\`, or the full gRPC name \`vpp.ip.Ip/IpRouteAddDel\`; \`request\` left out is \`{}\`; \`id\` a string or a number). Each answer is \`{"id": 7, "reply": {…}}\` or \`{"id": 7, "error": {code, message, details}}\`, in the items' order; the id is echoed as given, and left out when the item had none (or was not a JSON object). An unknown RPC, or an RPC the gateway's --read-only, --allow or --deny refuse, is that item's error (INVALID_ARGUMENT, PERMISSION_DENIED), not the batch's.\n\n${COMMON}`,
  parameters: options,
  requestBody: {
    description: 'The items: NDJSON, one item per line, or a JSON array of them.',
    required: false,
    content: {
      ...ndjsonContent({ schema: { type: 'string', description: 'One BatchItem per line.' }, example: mixedExample }),
      'application/json': { schema: { type: 'array', items: ref('BatchItem') }, example: [{ rpc: 'Memclnt/ControlPing', id: 1 }] },
    },
  },
  responses: {
    '200': {
      description: 'One answer per item, in order.',
      content: {
        ...ndjsonContent({ schema: ref('BatchAnswer') }),
        'application/json': { schema: { type: 'array', items: ref('BatchAnswer') } },
      },
    },
    ...errorRefs(),
  },
};

export function batchPaths(): Record<string, Record<string, Operation>> {
  return { '/{Service}/{Rpc}/batch': { post: singleOp }, '/batch': { post: mixedOp } };
}

const id: Schema = { description: "The caller's id, echoed as given.", oneOf: [{ type: 'string' }, { type: 'number' }] };

export const batchSchemas: Record<string, Schema> = {
  BatchItem: {
    description: 'One item of `POST /batch`.',
    type: 'object',
    required: ['rpc'],
    additionalProperties: false,
    properties: {
      rpc: { type: 'string', description: '`Service/Rpc`, e.g. `Ip/IpRouteAddDel`.', examples: ['Ip/IpRouteAddDel'] },
      id,
      request: { type: 'object', description: "The RPC's request, as its unary route takes it; left out: `{}`." },
    },
  },
  BatchAnswer: {
    description: 'The answer to one item of `POST /batch`: its reply or its error.',
    type: 'object',
    additionalProperties: false,
    properties: { id, reply: { type: 'object', description: "The RPC's reply." }, error: ref(ERROR_SCHEMA) },
  },
};

/** Postman requests of the batch folder, with tests that newman runs. */
export interface BatchRequest {
  name: string;
  path: string;
  body: string;
  tests: string[];
}

const ndjsonLines = "const lines = pm.response.text().split('\\n').filter(function (l) { return l !== ''; }).map(JSON.parse);";

export const BATCH_REQUESTS: readonly BatchRequest[] = [
  {
    name: 'ControlPing batch',
    path: '/Memclnt/ControlPing/batch',
    body: '{}\n{}\n{"bogus":1}\n{}\n',
    tests: [
      "pm.test('status 200', function () { pm.response.to.have.status(200); });",
      'pm.test(\'one answer per line, in order, the bad one its own error\', function () {',
      `  ${ndjsonLines}`,
      '  pm.expect(lines.length).to.equal(4);',
      "  [0, 1, 3].forEach(function (i) { pm.expect(lines[i].vpe_pid).to.be.a('number'); });",
      '  pm.expect(lines[2].code).to.equal(3);',
      '});',
    ],
  },
  {
    name: 'Mixed batch',
    path: '/batch',
    body: mixedExample,
    tests: [
      "pm.test('status 200', function () { pm.response.to.have.status(200); });",
      "pm.test('answers with the ids, in order', function () {",
      `  ${ndjsonLines}`,
      '  pm.expect(lines.map(function (l) { return l.id; })).to.eql([1, \'v\']);',
      "  pm.expect(lines[1].reply.program).to.be.a('string');",
      '});',
    ],
  },
];
