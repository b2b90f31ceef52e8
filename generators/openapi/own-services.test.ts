/** The product's own services (vpprpc.Stats) in the OpenAPI document and the Postman collection. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_PROTO_DIR, OWN_PROTO_DIR } from '../../lib/project.ts';
import { ownProtos } from '../proto/index.ts';
import { loadOwnServices, ownServicesDocument } from './own-services.ts';
import { buildCollection } from './postman.ts';
import type { OpenApiDocument } from './document.ts';

describe('own services in openapi/', () => {
  const own = ownServicesDocument(loadOwnServices(DEFAULT_PROTO_DIR, ownProtos(OWN_PROTO_DIR))!);

  it('routes every Stats RPC as the gateway does, with its schemas', () => {
    assert.deepEqual(Object.keys(own.paths).sort(), [
      '/Journal/Clear/request',
      '/Journal/Export/request',
      '/Journal/Replay/request',
      '/Journal/Status/request',
      '/Stats/InterfaceCounters/request',
      '/Stats/ListNames/request',
      '/Stats/Read/request',
      '/Stats/Watch/request',
    ]);
    const read = own.paths['/Stats/Read/request']!.post!;
    assert.equal(read.operationId, 'Stats_Read');
    assert.deepEqual(read['x-vpprpc-own'], { service: 'vpprpc.Stats', reads_only: true, open_stream: false });
    const entry = own.schemas['vpprpc.StatsEntry'] as { properties: Record<string, unknown> };
    assert.deepEqual(entry.properties.gauge, { type: 'string', format: 'uint64', pattern: '^[0-9]+$' });
    assert.deepEqual(entry.properties.type, { $ref: '#/components/schemas/vpprpc.StatType' });
    assert.ok((own.schemas['vpprpc.StatType'] as { enum: string[] }).enum.includes('STAT_COMBINED'));
    const watch = own.paths['/Stats/Watch/request']!.post!;
    const content = (watch.responses['200'] as { content: object }).content;
    assert.ok('application/x-ndjson' in content && 'application/ndjson' in content);
    assert.deepEqual(watch.parameters, [{ $ref: '#/components/parameters/EventTimeout' }]);
  });

  it('documents the journal export as the batch lines REST writes, an array or NDJSON', () => {
    const exp = own.paths['/Journal/Export/request']!.post!;
    const content = (exp.responses['200'] as { content: Record<string, { schema: { type?: string; items?: { description?: string } } }> })
      .content;
    assert.equal(content['application/json']!.schema.type, 'array');
    assert.match(content['application/json']!.schema.items!.description!, /POST \/batch/);
    assert.ok('application/x-ndjson' in content);
    assert.deepEqual(exp['x-vpprpc-own'], { service: 'vpprpc.Journal', reads_only: true, open_stream: false });
    assert.equal(own.paths['/Journal/Clear/request']!.post!['x-vpprpc-own']!.reads_only, false);
  });

  it('gives Postman a Stats folder whose Watch streams NDJSON for a while', () => {
    const doc = { info: { description: '' }, tags: own.tags, paths: own.paths } as unknown as OpenApiDocument;
    const folder = buildCollection(doc).item.find((f) => f.name === 'Stats')!;
    assert.deepEqual(
      folder.item.map((i) => i.name),
      ['ListNames', 'Read', 'Watch', 'InterfaceCounters'],
    );
    const watch = folder.item.find((i) => i.name === 'Watch')!;
    assert.match(watch.request.url.raw, /\/Stats\/Watch\/request\?timeout=/);
    assert.deepEqual(watch.request.header[1], { key: 'Accept', value: 'application/x-ndjson' });
  });
});
