import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PROTO_DIR } from '../../test/support/paths.ts';
import { compileBinary } from './binary.ts';
import { compileJson } from './json.ts';
import { lazyBinary } from './lazy.ts';
import { loadServiceRoot } from './load-root.ts';
import {
  cacheText,
  indexedOption,
  indexServices,
  loadServices,
  protoDirHash,
  ProtoTypes,
  readCache,
  servicesCache,
} from './proto-index.ts';

const root = loadServiceRoot(PROTO_DIR);
const services = indexServices(root, PROTO_DIR);
const scratch = mkdtempSync(join(tmpdir(), 'vpp-rpc-proto-index-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('the services index', () => {
  it('lists every service and method of the protos with its file, types and options', () => {
    const vpe = services.find((s) => s.name === 'vpp.vpe.Vpe')!;
    assert.equal(vpe.file, 'vpp/vpe.proto');
    const sv = vpe.methods.find((m) => m.name === 'ShowVersion')!;
    assert.equal(sv.requestType, 'vpp.vpe.ShowVersion');
    assert.equal(sv.responseType, 'vpp.vpe.ShowVersionReply');
    assert.equal(sv.responseStream, false);
    assert.equal(indexedOption<{ request: string }>(sv, '(vpprpc.method)')?.request, 'show_version');
    assert.equal(indexedOption<{ post: string }>(sv, '(google.api.http)')?.post, '/Vpe/ShowVersion/request');
    const vppServices = services.filter((s) => s.name.startsWith('vpp.'));
    assert.equal(
      vppServices.reduce((n, s) => n + s.methods.length, 0),
      1029,
    );
    // and the product's own services, hand-written under vpprpc/
    assert.deepEqual(
      services.filter((s) => !vppServices.includes(s)).map((s) => [s.name, s.file, s.methods.map((m) => m.name)]),
      [
        ['vpprpc.Batch', 'vpprpc/batch.proto', ['Call']],
        ['vpprpc.Journal', 'vpprpc/journal.proto', ['Status', 'Export', 'Replay', 'Clear']],
        ['vpprpc.Stats', 'vpprpc/stats.proto', ['ListNames', 'Read', 'Watch', 'InterfaceCounters']],
      ],
    );
  });

  it('is read from a cache made from the same protos, and never from one made from others', () => {
    const hash = protoDirHash(PROTO_DIR);
    writeFileSync(servicesCache(scratch), cacheText(hash, services));
    assert.deepEqual(readCache(servicesCache(scratch), hash), JSON.parse(JSON.stringify(services)));
    const fromCache = loadServices(PROTO_DIR, { cacheDir: scratch });
    assert.deepEqual(fromCache.services, JSON.parse(JSON.stringify(services)));
    assert.equal(readCache(servicesCache(scratch), 'another hash'), undefined);
    writeFileSync(servicesCache(scratch), '{"hash":');
    assert.equal(readCache(servicesCache(scratch), hash), undefined);
    // no cache that matches: the protos are parsed
    assert.equal(loadServices(PROTO_DIR, { cacheDir: scratch }).services.length, services.length);
  });

  it('hashes the names and contents of the files', () => {
    const dir = join(scratch, 'protos');
    cpSync(join(PROTO_DIR, 'vpprpc'), join(dir, 'vpprpc'), { recursive: true });
    const before = protoDirHash(dir);
    assert.equal(protoDirHash(dir), before);
    const file = join(dir, 'vpprpc/options.proto');
    writeFileSync(file, readFileSync(file, 'utf8') + '\n// changed\n');
    assert.notEqual(protoDirHash(dir), before);
  });
});

describe('ProtoTypes', () => {
  it('parses only the file of the type asked for, with its imports', () => {
    const types = new ProtoTypes(PROTO_DIR);
    const t = types.type('vpp/memclnt.proto', 'vpp.memclnt.ControlPingReply');
    assert.equal(t.fullName, '.vpp.memclnt.ControlPingReply');
    const vpp = t.root.lookup('vpp') as unknown as { nestedArray: { name: string }[] };
    assert.deepEqual(
      vpp.nestedArray.map((n) => n.name),
      ['memclnt'],
    );
  });

  it('gives types whose codecs write what those of the whole root write', () => {
    const types = new ProtoTypes(PROTO_DIR);
    const value = {
      is_add: true,
      route: {
        table_id: 7,
        prefix: '10.1.0.0/16',
        paths: [{ sw_if_index: 1, weight: 1, nh: { address: { ip4: '192.0.2.1' } } }],
      },
    };
    const lazy = types.type('vpp/ip.proto', 'vpp.ip.IpRouteAddDel');
    const whole = root.lookupType('vpp.ip.IpRouteAddDel');
    const bytes = compileBinary(whole).encode(compileJson(whole).fromJson(value));
    assert.deepEqual(compileBinary(lazy).encode(compileJson(lazy).fromJson(value)), bytes);
    assert.ok(bytes.length > 10);
    // all() adds every other file to the same root
    assert.equal(types.all().lookupType('vpp.ip.IpRouteAddDel'), lazy);
    assert.ok(types.all().lookupType('vpp.interface.SwInterfaceDump'));
  });
});

describe('lazyBinary', () => {
  it('compiles on first use, then is the compiled codec', () => {
    let asked = 0;
    const codec = lazyBinary(() => {
      asked++;
      return root.lookupType('vpp.vpe.ShowVersionReply');
    });
    assert.equal(asked, 0);
    const value = { retval: 0, program: 'vpe', version: '26.06', build_date: '', build_directory: '' };
    const bytes = codec.encode(value);
    assert.equal(asked, 1);
    assert.deepEqual(codec.decode(bytes), compileBinary(root.lookupType('vpp.vpe.ShowVersionReply')).decode(bytes));
    assert.equal(codec.encode, compileBinary(root.lookupType('vpp.vpe.ShowVersionReply')).encode);
    assert.equal(asked, 1);
  });
});
