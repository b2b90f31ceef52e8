import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expect } from 'chai';
import { componentsAjv, openapiAjv } from '../../test/support/openapi-ajv.ts';
import { API_DIR } from '../../test/support/paths.ts';
import { loadApiDir } from '../../vpp/api/load-json.ts';
import { routePath, serviceName } from '../../vpp/api/mapping.ts';
import { buildDocument } from './document.ts';
import { buildCollection, POSTMAN_SCHEMA, type PostmanRequestItem } from './postman.ts';
import { CORE_REQUESTS, LOOPBACK_VAR } from './postman-tests.ts';

const model = loadApiDir(API_DIR);
const doc = buildDocument(model, '0.0.0-test');
const collection = buildCollection(doc);
/** the folders of VPP modules; the batch folder is checked on its own */
const moduleFolders = collection.item.filter((f) => f.name !== 'Batch');
const requests = moduleFolders.flatMap((f) => f.item);
const byRoute = (route: string): PostmanRequestItem => {
  const r = requests.find((x) => x.request.url.raw.startsWith(`{{baseUrl}}${route}`));
  assert.ok(r, `no request for ${route}`);
  return r;
};
const routeOf = (request: string): string => routePath(model.services.get(request)!.module, request);
const positionOf = (request: string): number => requests.indexOf(byRoute(routeOf(request)));

const str = { type: 'string' };
const strings = { type: 'array', items: str };
const keyValue = {
  type: 'object',
  required: ['key', 'value'],
  properties: { key: str, value: str, disabled: { type: 'boolean' }, description: str },
  additionalProperties: false,
};

/** The parts of the Postman Collection v2.1 format that the collection uses, and nothing else. */
const POSTMAN_V21 = {
  type: 'object',
  required: ['info', 'item'],
  properties: {
    info: {
      type: 'object',
      required: ['name', 'schema'],
      properties: { name: str, description: str, schema: { const: POSTMAN_SCHEMA } },
      additionalProperties: false,
    },
    item: { type: 'array', items: { $ref: '#/$defs/folder' } },
    variable: {
      type: 'array',
      items: {
        type: 'object',
        required: ['key'],
        properties: { key: str, value: str, type: { enum: ['string', 'boolean', 'any', 'number'] } },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
  $defs: {
    folder: {
      type: 'object',
      required: ['name', 'item'],
      properties: { name: str, description: str, item: { type: 'array', items: { $ref: '#/$defs/item' } } },
      additionalProperties: false,
    },
    item: {
      type: 'object',
      required: ['name', 'request'],
      properties: {
        name: str,
        request: {
          type: 'object',
          required: ['method', 'url'],
          properties: {
            method: { enum: ['GET', 'PUT', 'POST', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] },
            header: { type: 'array', items: keyValue },
            body: {
              type: 'object',
              required: ['mode'],
              properties: {
                mode: { enum: ['raw', 'urlencoded', 'formdata', 'file', 'graphql'] },
                raw: str,
                options: { type: 'object', properties: { raw: { type: 'object', properties: { language: { enum: ['json', 'text'] } } } } },
              },
              additionalProperties: false,
            },
            url: {
              type: 'object',
              required: ['raw'],
              properties: { raw: str, host: strings, path: strings, query: { type: 'array', items: keyValue } },
              additionalProperties: false,
            },
            description: str,
          },
          additionalProperties: false,
        },
        event: {
          type: 'array',
          items: {
            type: 'object',
            required: ['listen', 'script'],
            properties: {
              listen: { enum: ['test', 'prerequest'] },
              script: {
                type: 'object',
                required: ['exec'],
                properties: { type: { const: 'text/javascript' }, exec: strings },
                additionalProperties: false,
              },
            },
            additionalProperties: false,
          },
        },
      },
      additionalProperties: false,
    },
  },
};

interface Outcome {
  passed: string[];
  failed: string[];
  variables: Map<string, unknown>;
}

/** Runs a request's test script with a stand-in for Postman's `pm` (its assertions are chai's, as in Postman). */
function runTests(item: PostmanRequestItem, status: number, body: unknown): Outcome {
  const out: Outcome = { passed: [], failed: [], variables: new Map() };
  const pm = {
    test(name: string, fn: () => void) {
      try {
        fn();
        out.passed.push(name);
      } catch {
        out.failed.push(name);
      }
    },
    expect,
    response: {
      code: status,
      json: () => structuredClone(body),
      to: { have: { status: (code: number) => expect(status, 'status').to.equal(code) } },
    },
    collectionVariables: { set: (k: string, v: unknown) => out.variables.set(k, v) },
  };
  const script = (item.event ?? []).flatMap((e) => e.script.exec).join('\n');
  new Function('pm', script)(pm);
  return out;
}

/** Replies as VPP (through the gateway) gives them on success, for the requests that carry tests. */
const GOOD: Record<string, unknown> = {
  show_version: { retval: 0, program: 'vpe', version: '26.06-release', build_date: 'today', build_directory: '/build' },
  show_vpe_system_time: { retval: 0, vpe_system_time: 1780000000.5 },
  cli_inband: { retval: 0, reply: 'vpp v26.06-release built by root' },
  sw_interface_dump: [
    { sw_if_index: 0, interface_name: 'local0' },
    { sw_if_index: 1, interface_name: 'loop0' },
  ],
  create_loopback: { retval: 0, sw_if_index: 1 },
  sw_interface_set_flags: { retval: 0 },
  // proto3 JSON may leave out a zero retval
  sw_interface_add_del_address: {},
  ip_table_dump: [{ table: { is_ip6: false, name: 'ipv4-VRF:0' } }, { table: { table_id: 10, name: 'blue' } }],
  ip_route_add_del: { retval: 0, stats_index: 3 },
  ip_route_dump: [{ route: { table_id: 0, prefix: '10.20.0.0/24', paths: [] } }],
  control_ping: { retval: 0, vpe_pid: 4242 },
};

/** Replies with status 200 that the tests must still reject. */
const WRONG: Record<string, unknown> = {
  show_version: { retval: 0, program: '', version: '26.06' },
  cli_inband: { retval: 0, reply: 'unknown input' },
  sw_interface_dump: [{ sw_if_index: 1, interface_name: 'loop0' }],
  create_loopback: { retval: 0 },
  sw_interface_set_flags: { retval: -2 },
  ip_route_dump: [],
  control_ping: { retval: 0 },
};

describe('Postman collection', () => {
  it('is a Postman v2.1 collection', () => {
    const validate = openapiAjv().compile(POSTMAN_V21);
    assert.ok(validate(collection), JSON.stringify(validate.errors?.slice(0, 3)));
    const broken = structuredClone(collection) as unknown as { item: { item: { request: { url: unknown } }[] }[] };
    broken.item[0]!.item[0]!.request.url = { rew: 'typo' };
    assert.ok(!validate(broken));
    assert.equal(collection.info.schema, 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json');
  });

  it('has one POST request per RPC, on its route below {{baseUrl}}', () => {
    assert.equal(requests.length, 1029);
    const routes = requests.map((r) => r.request.url.path.join('/'));
    assert.equal(new Set(routes).size, 1029);
    for (const svc of model.services.values()) assert.ok(routes.includes(routePath(svc.module, svc.request).slice(1)), svc.request);
    for (const r of requests) {
      assert.equal(r.request.method, 'POST');
      assert.deepEqual(r.request.url.host, ['{{baseUrl}}']);
      assert.ok(r.request.url.raw.startsWith(`{{baseUrl}}/${r.request.url.path.join('/')}`));
      assert.deepEqual(r.request.header[0], { key: 'Content-Type', value: 'application/json' });
    }
    assert.deepEqual(collection.variable[0], { key: 'baseUrl', value: 'http://localhost:9191', type: 'string' });
  });

  it('has one folder per module, core modules first, the others by name', () => {
    const names = moduleFolders.map((f) => f.name);
    assert.equal(names.length, model.modules.filter((m) => m.services.length > 0).length);
    assert.deepEqual(names.slice(0, 5), ['Vpe', 'Vlib', 'Interface', 'Ip', 'Memclnt']);
    const moduleOf = (f: (typeof collection.item)[number]): string =>
      doc.paths[`/${f.item[0]!.request.url.path.join('/')}`]!.post!['x-vpp']!.module;
    const rest = moduleFolders.slice(5).map(moduleOf);
    assert.deepEqual(rest, [...rest].sort());
    assert.ok(rest.includes('gateway'), "VPP's gateway module has its folder");
    for (const f of moduleFolders)
      for (const r of f.item) assert.equal(r.request.url.path[0], f.name, `${r.name} in folder ${f.name}`);
  });

  it('ends with a batch folder: NDJSON requests to a single-RPC and the mixed batch route, with tests', () => {
    const batch = collection.item.at(-1)!;
    assert.equal(batch.name, 'Batch');
    assert.deepEqual(
      batch.item.map((r) => r.request.url.path.join('/')),
      ['Memclnt/ControlPing/batch', 'batch'],
    );
    for (const r of batch.item) {
      assert.deepEqual(r.request.header[0], { key: 'Content-Type', value: 'application/x-ndjson' });
      for (const line of r.request.body.raw.split('\n').filter((l) => l !== '')) JSON.parse(line);
      assert.ok((r.event?.[0]?.script.exec.length ?? 0) > 3, r.name);
    }
  });

  it('sends the example bodies, with the loopback created earlier where one is used', () => {
    for (const r of requests) {
      const route = `/${r.request.url.path.join('/')}`;
      const example = doc.paths[route]!.post!.requestBody!.content['application/json']!.example;
      // the variable's default is the index the examples assume
      const raw = r.request.body.raw.replaceAll(`{{${LOOPBACK_VAR}}}`, '1');
      assert.deepEqual(JSON.parse(raw), example, route);
    }
    assert.match(byRoute('/Interface/SwInterfaceSetFlags/request').request.body.raw, /"sw_if_index": \{\{loopback_sw_if_index\}\}/);
    assert.match(byRoute('/Ip/IpRouteAddDel/request').request.body.raw, /"sw_if_index": \{\{loopback_sw_if_index\}\}/);
    assert.deepEqual(collection.variable[1], { key: LOOPBACK_VAR, value: '1', type: 'string' });
  });

  it('asks for NDJSON and a timeout on event streams, and for JSON elsewhere', () => {
    const events = requests.filter((r) => doc.paths[`/${r.request.url.path.join('/')}`]!.post!['x-vpp']!.kind === 'events');
    assert.equal(events.length, 17);
    for (const r of events) {
      assert.deepEqual(r.request.header[1], { key: 'Accept', value: 'application/x-ndjson' });
      assert.ok(r.request.url.raw.endsWith('/request?timeout=1s'), r.request.url.raw);
      assert.deepEqual(r.request.url.query, [{ key: 'timeout', value: '1s' }]);
    }
    const dump = byRoute('/Interface/SwInterfaceDump/request');
    assert.deepEqual(dump.request.header[1], { key: 'Accept', value: 'application/json' });
    assert.equal(dump.request.url.query, undefined);
  });

  it('puts tests on the core requests only, each in its module folder', () => {
    const tested = requests.filter((r) => r.event).map((r) => r.request.url.path.slice(0, 2).join('/'));
    assert.deepEqual(tested.sort(), [
      'Interface/CreateLoopback',
      'Interface/SwInterfaceAddDelAddress',
      'Interface/SwInterfaceDump',
      'Interface/SwInterfaceSetFlags',
      'Ip/IpRouteAddDel',
      'Ip/IpRouteDump',
      'Ip/IpTableDump',
      'Memclnt/ControlPing',
      'Vlib/CliInband',
      'Vpe/ShowVersion',
      'Vpe/ShowVpeSystemTime',
    ]);
    for (const c of CORE_REQUESTS) assert.equal(byRoute(routeOf(c.request)).request.url.path[0], serviceName(model.messages.get(c.request)!.module));
  });

  it('runs the core requests before the others of their folder, creating before using', () => {
    for (const f of moduleFolders) {
      const core = f.item.map((r) => CORE_REQUESTS.some((c) => routeOf(c.request) === `/${r.request.url.path.join('/')}`));
      assert.deepEqual(core, [...core].sort((a, b) => Number(b) - Number(a)), `folder ${f.name}`);
    }
    assert.equal(requests[0]!.request.url.raw, '{{baseUrl}}/Vpe/ShowVersion/request');
    const at = positionOf;
    assert.ok(at('create_loopback') < at('sw_interface_set_flags'));
    assert.ok(at('sw_interface_set_flags') < at('sw_interface_add_del_address'));
    assert.ok(at('sw_interface_add_del_address') < at('ip_route_add_del'));
    assert.ok(at('ip_route_add_del') < at('ip_route_dump'));
    // DeleteLoopback runs before the Ip folder: it must not delete the loopback the route goes through
    assert.ok(at('sw_interface_add_del_address') < at('delete_loopback'));
    const deleted = JSON.parse(byRoute(routeOf('delete_loopback')).request.body.raw) as { sw_if_index: number };
    assert.notEqual(deleted.sw_if_index, 1);
    assert.ok(at('ip_route_dump') < at('sockclnt_delete'), 'the session messages come after the core calls');
  });

  it('has tests that pass on good replies and fail on bad ones', () => {
    const compile = componentsAjv(doc.components.schemas);
    for (const c of CORE_REQUESTS.filter((x) => x.tests)) {
      const item = byRoute(routeOf(c.request));
      const good = GOOD[c.request];
      assert.ok(good !== undefined, `a good reply for ${c.request}`);
      // the sample replies follow the reply schemas, so the tests read real field names
      const ok = doc.paths[routeOf(c.request)]!.post!.responses['200'] as { content: Record<string, { schema: object }> };
      const valid = compile(ok.content['application/json']!.schema);
      assert.ok(valid(good), `${c.request}: ${JSON.stringify(valid.errors)}`);
      const pass = runTests(item, 200, good);
      assert.deepEqual(pass.failed, [], c.request);
      assert.ok(pass.passed.length >= 2, c.request);
      const unimplemented = runTests(item, 501, { code: 12, message: 'UNIMPLEMENTED', details: [] });
      assert.ok(unimplemented.failed.includes('status 200'), c.request);
      if (WRONG[c.request] !== undefined) assert.notDeepEqual(runTests(item, 200, WRONG[c.request]).failed, [], c.request);
    }
    const created = runTests(byRoute(routeOf('create_loopback')), 200, { retval: 0, sw_if_index: 7 });
    assert.equal(created.variables.get(LOOPBACK_VAR), 7);
  });
});

