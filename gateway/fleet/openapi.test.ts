import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addFleet } from './openapi.ts';

const generated = () => ({
  paths: {
    '/Vpe/ShowVersion/request': { post: { operationId: 'Vpe_ShowVersion' } },
    '/batch': { post: { operationId: 'batch', parameters: [{ name: 'window', in: 'query' }] } },
    '/readyz': { get: { operationId: 'readyz', description: 'the server' } },
  },
  components: { parameters: { EventTimeout: {} }, schemas: { Error: {} } },
});

describe("a fleet gateway's OpenAPI document", () => {
  it('gives every API operation the X-VPP-Node header, its nodes and * as an enum, and the fleet routes', () => {
    const doc = generated();
    addFleet(doc, { nodes: ['a', 'b'] });
    const ref = { $ref: '#/components/parameters/VppNode' };
    assert.deepEqual((doc.paths['/Vpe/ShowVersion/request'].post as { parameters?: unknown }).parameters, [ref]);
    assert.deepEqual(doc.paths['/batch'].post.parameters, [{ name: 'window', in: 'query' }, ref]);
    assert.equal((doc.paths['/readyz'].get as { parameters?: unknown }).parameters, undefined);
    const param = (doc.components.parameters as Record<string, Record<string, unknown>>).VppNode!;
    assert.deepEqual(
      [param.name, param.in, param.required, param.schema],
      ['X-VPP-Node', 'header', true, { type: 'string', enum: ['a', 'b', '*'] }],
    );
    assert.match(String(param.description), /Without it the gateway answers 400/);
    assert.ok('EventTimeout' in doc.components.parameters && 'Error' in doc.components.schemas);
    assert.deepEqual(Object.keys(doc.paths).slice(3), ['/nodes', '/nodes/targets']);
  });

  it('says where a request that names no node goes; no enum while it knows no node', () => {
    const doc = generated();
    addFleet(doc, { nodes: [], defaultNode: 'a' });
    const param = (doc.components.parameters as Record<string, Record<string, unknown>>).VppNode!;
    assert.deepEqual([param.required, param.schema], [false, { type: 'string' }]);
    assert.match(String(param.description), /Without it the call goes to node `a`/);
  });
});
