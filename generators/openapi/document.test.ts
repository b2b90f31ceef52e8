import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileErrors, dereference, validate } from '@readme/openapi-parser';
import { openapiAjv } from '../../test/support/openapi-ajv.ts';
import { API_DIR } from '../../test/support/paths.ts';
import { loadApiDir } from '../../vpp/api/load-json.ts';
import { routePath, rpcShape } from '../../vpp/api/mapping.ts';
import { buildDocument, type OpenApiDocument, type Operation } from './document.ts';
import { CORE_EXAMPLES } from './examples.ts';
import { generateOpenapi, OPENAPI_FILE } from './index.ts';

const model = loadApiDir(API_DIR);
const doc = buildDocument(model, '0.0.0-test');
type ParserInput = Parameters<typeof validate>[0];
/** A fresh copy: the parser resolves references in place. */
const copy = (): ParserInput => JSON.parse(JSON.stringify(doc)) as ParserInput;
const post = (route: string): Operation => {
  const op = doc.paths[route]?.post;
  assert.ok(op, `no POST ${route}`);
  return op;
};
const vppOperations = (): [string, Operation][] =>
  Object.entries(doc.paths).flatMap(([route, m]) => (m.post?.['x-vpp'] ? [[route, m.post] as [string, Operation]] : []));

describe('OpenAPI document', () => {
  it('is valid OpenAPI 3.1', async () => {
    const result = await validate(copy());
    assert.equal(result.valid, true, result.valid ? '' : compileErrors(result));
    assert.equal(doc.openapi, '3.1.0');
  });

  it('would be rejected by the validator if it were broken', async () => {
    // a small document keeps the validator's error report quick
    const small = (): OpenApiDocument => {
      const d = JSON.parse(JSON.stringify(doc)) as OpenApiDocument;
      d.paths = { '/Vpe/ShowVersion/request': d.paths['/Vpe/ShowVersion/request']! };
      const keep = ['vpp.vpe.ShowVersion', 'vpp.vpe.ShowVersionReply', 'Error'];
      d.components.schemas = Object.fromEntries(keep.map((k) => [k, d.components.schemas[k]!]));
      return d;
    };
    assert.equal((await validate(small() as unknown as ParserInput)).valid, true);
    const noTitle = small() as unknown as { info: { title?: string } };
    delete noTitle.info.title;
    assert.equal((await validate(noTitle as ParserInput)).valid, false);
    const dangling = small();
    delete dangling.components.schemas['vpp.vpe.ShowVersionReply'];
    const result = await validate(dangling as unknown as ParserInput);
    assert.match(result.valid ? '' : compileErrors(result), /Missing \$ref pointer "#\/components\/schemas\/vpp\.vpe\.ShowVersionReply"/);
  });

  it('has one operation per VPP service entry, on its route', () => {
    const ops = vppOperations();
    assert.equal(ops.length, 1029);
    assert.equal(ops.length, model.services.size);
    for (const svc of model.services.values()) {
      const op = post(routePath(svc.module, svc.request));
      assert.equal(op['x-vpp']?.request.name, svc.request);
    }
    assert.equal(new Set(ops.map(([, op]) => op.operationId)).size, ops.length);
  });

  it('names, tags and documents ShowVersion', () => {
    const op = post('/Vpe/ShowVersion/request');
    assert.equal(op.operationId, 'Vpe_ShowVersion');
    assert.deepEqual(op.tags, ['Vpe']);
    assert.equal(op.summary, 'show version');
    assert.deepEqual(op['x-vpp'], {
      module: 'vpe',
      kind: 'unary',
      request: { name: 'show_version', crc: model.messages.get('show_version')!.crc },
      reply: { name: 'show_version_reply', crc: model.messages.get('show_version_reply')!.crc },
    });
    const vpe = doc.tags.find((t) => t.name === 'Vpe');
    assert.match(vpe!.description, /version 1\.7\.0/);
    assert.deepEqual(doc.servers, [{ url: 'http://localhost:9191', description: 'The gateway on this machine' }]);
  });

  it('has one tag per module with services, core modules first, and one for batches and one for the gateway', () => {
    const withServices = model.modules.filter((m) => m.services.length > 0).length;
    assert.equal(doc.tags.length, withServices + 2);
    assert.deepEqual(
      doc.tags.slice(-2).map((t) => t.name),
      ['Batch', 'REST gateway'],
    );
    assert.deepEqual(
      doc.tags.slice(0, 5).map((t) => t.name),
      ['Vpe', 'Vlib', 'Interface', 'Ip', 'Memclnt'],
    );
    for (const [, op] of vppOperations()) assert.ok(doc.tags.some((t) => t.name === op.tags[0]));
  });

  it('takes an optional JSON body with an example', () => {
    const body = post('/Vlib/CliInband/request').requestBody!;
    assert.equal(body.required, false);
    assert.deepEqual(body.content['application/json'], {
      schema: { $ref: '#/components/schemas/vpp.vlib.CliInband' },
      example: { cmd: 'show version' },
    });
  });

  it('answers unary calls with the reply, and {} where VPP sends none', () => {
    const ok = post('/Vpe/ShowVersion/request').responses['200'] as { content: Record<string, unknown> };
    assert.deepEqual(ok.content, { 'application/json': { schema: { $ref: '#/components/schemas/vpp.vpe.ShowVersionReply' } } });
    const none = post('/Memclnt/RxThreadExit/request').responses['200'] as { content: Record<string, unknown> };
    assert.deepEqual(none.content, { 'application/json': { schema: { $ref: '#/components/schemas/google.protobuf.Empty' } } });
    assert.deepEqual(doc.components.schemas['google.protobuf.Empty'], {
      description: 'Nothing: the answer of calls to which VPP sends no reply.',
      type: 'object',
      additionalProperties: false,
    });
  });

  it('answers dumps and cursors with an array or NDJSON, and events with SSE or NDJSON', () => {
    const details = { $ref: '#/components/schemas/vpp.interface.SwInterfaceDetails' };
    const dump = post('/Interface/SwInterfaceDump/request').responses['200'] as { content: Record<string, unknown> };
    assert.deepEqual(dump.content, {
      'application/json': { schema: { type: 'array', items: details } },
      'application/x-ndjson': { schema: details },
      'application/ndjson': { schema: details },
    });
    const cursor = post('/Interface/SwInterfaceTxPlacementGet/request');
    assert.equal(cursor['x-vpp']?.kind, 'cursor');
    assert.deepEqual(Object.keys((cursor.responses['200'] as { content: object }).content), [
      'application/json',
      'application/x-ndjson',
      'application/ndjson',
    ]);
    const events = post('/Interface/WantInterfaceEvents/request');
    const content = (events.responses['200'] as { content: Record<string, { schema: Record<string, string> }> }).content;
    assert.deepEqual(Object.keys(content), ['text/event-stream', 'application/x-ndjson', 'application/ndjson']);
    assert.match(content['text/event-stream']!.schema.description!, /data:/);
    assert.deepEqual(content['application/x-ndjson']!.schema, { $ref: '#/components/schemas/vpp.interface.SwInterfaceEvent' });
    assert.deepEqual(events.parameters, [{ $ref: '#/components/parameters/EventTimeout' }]);
    const kinds = { unary: 0, dump: 0, cursor: 0, events: 0 };
    for (const [, op] of vppOperations()) kinds[op['x-vpp']!.kind]++;
    const want = { unary: 0, dump: 0, cursor: 0, events: 0 };
    for (const svc of model.services.values()) want[rpcShape(svc).kind]++;
    assert.deepEqual(kinds, want);
  });

  it('lists every error status with the one Error schema', () => {
    const statuses = ['400', '401', '403', '404', '409', '429', '499', '500', '501', '503', '504'];
    for (const [, op] of vppOperations()) assert.deepEqual(Object.keys(op.responses), ['200', ...statuses]);
    const refs = post('/Vpe/ShowVersion/request').responses;
    const named = (status: string): { description: string; content: unknown } => {
      const ref = (refs[status] as { $ref: string }).$ref.split('/').pop()!;
      return doc.components.responses[ref] as { description: string; content: unknown };
    };
    for (const s of statuses)
      assert.deepEqual(named(s).content, { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } });
    assert.match(named('404').description, /INVALID_SW_IF_INDEX/);
    assert.match(named('501').description, /UNIMPLEMENTED/);
    assert.match(named('503').description, /VPP or the gRPC server cannot be reached/);
    assert.match(named('504').description, /DEADLINE_EXCEEDED/);
    const error = doc.components.schemas.Error!;
    assert.deepEqual(Object.keys(error.properties!), ['code', 'message', 'details']);
    assert.equal(error.properties!.code!.type, 'integer');
    assert.equal(error.properties!.details!.type, 'array');
  });

  it('marks what VPP deprecates', () => {
    const deprecated = [...model.services.values()].filter((s) => model.messages.get(s.request)!.options.deprecated);
    assert.ok(deprecated.length > 0);
    for (const s of deprecated) assert.equal(post(routePath(s.module, s.request)).deprecated, true);
    assert.equal(post('/Vpe/ShowVersion/request').deprecated, undefined);
  });

  it("documents the gateway's own routes", () => {
    for (const route of ['/healthz', '/readyz', '/openapi.json', '/']) {
      const op = doc.paths[route]?.get;
      assert.ok(op, `GET ${route}`);
      assert.deepEqual(op.tags, ['REST gateway']);
    }
    const ids = Object.values(doc.paths).flatMap((m) => Object.values(m).map((op) => op.operationId));
    assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
    assert.equal(new Set(doc.tags.map((t) => t.name)).size, doc.tags.length, 'tag names are unique');
  });

  it('has example bodies that validate against their request schemas', async () => {
    const resolved = (await dereference(copy())) as unknown as OpenApiDocument;
    const ajv = openapiAjv();
    let checked = 0;
    for (const [route, methods] of Object.entries(resolved.paths)) {
      const media = methods.post?.requestBody?.content['application/json'];
      if (!media) continue;
      const valid = ajv.compile(media.schema);
      assert.ok(valid(media.example), `${route}: ${ajv.errorsText(valid.errors)}`);
      checked++;
    }
    assert.equal(checked, 1029 + 2); // and the two batch routes
    const flags = ajv.compile(resolved.paths['/Interface/SwInterfaceSetFlags/request']!.post!.requestBody!.content['application/json']!.schema);
    assert.ok(!flags({ sw_if_index: 1, flags: ['IF_STATUS_API_FLAG_ADMIN_UP'], unknown: 1 }), 'unknown fields are rejected');
  });

  it('documents the batch routes: one parametrized operation for every unary RPC, and the mixed route', () => {
    const single = doc.paths['/{Service}/{Rpc}/batch']!.post!;
    const mixed = doc.paths['/batch']!.post!;
    for (const op of [single, mixed]) {
      assert.deepEqual(op.tags, ['Batch']);
      const types = ['application/x-ndjson', 'application/ndjson', 'application/json'];
      assert.deepEqual(Object.keys(op.requestBody!.content), types);
      assert.deepEqual(Object.keys((op.responses['200'] as { content: object }).content), types);
      const query = (op.parameters as { name: string; in: string }[]).filter((p) => p.in === 'query').map((p) => p.name);
      assert.deepEqual(query, ['stop_on_error', 'window', 'timeout']);
    }
    assert.deepEqual(
      (single.parameters as { name: string; in: string }[]).filter((p) => p.in === 'path').map((p) => p.name),
      ['Service', 'Rpc'],
    );
    assert.deepEqual(doc.components.schemas.BatchItem!.required, ['rpc']);
    assert.ok(doc.components.schemas.BatchAnswer!.properties!.error);
    // one pattern, not 1,029 copies
    assert.equal(Object.keys(doc.paths).filter((p) => p.endsWith('/batch')).length, 2);
  });

  it('uses the hand-picked examples of the core calls', () => {
    for (const [request, example] of Object.entries(CORE_EXAMPLES)) {
      const svc = model.services.get(request);
      assert.ok(svc, request);
      assert.deepEqual(post(routePath(svc.module, request)).requestBody!.content['application/json']!.example, example);
    }
    assert.deepEqual(CORE_EXAMPLES.sw_interface_add_del_address, { sw_if_index: 1, is_add: true, prefix: '10.10.1.1/24' });
  });

  it('is written the same way every time', () => {
    const a = generateOpenapi(model, '1.0.0').get(OPENAPI_FILE)!;
    const b = generateOpenapi(loadApiDir(API_DIR), '1.0.0').get(OPENAPI_FILE)!;
    assert.equal(a, b);
    assert.ok(a.endsWith('}\n'));
    const keys = Object.keys(doc.components.schemas);
    assert.deepEqual(keys, [...keys].sort());
  });
});
