import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { PROTO_DIR } from '../../test/support/paths.ts';
import { loadServiceRoot } from './load-root.ts';

/** protobufjs types parsedOptions loosely; it is a list of one-key objects. */
const optionsOf = (o: protobuf.ReflectionObject): Record<string, unknown>[] =>
  (o.parsedOptions ?? []) as unknown as Record<string, unknown>[];

describe('loadServiceRoot', () => {
  const root = loadServiceRoot(PROTO_DIR);

  it('resolves every service, google.protobuf.Empty outputs included', () => {
    const memclnt = root.lookupService('vpp.memclnt.Memclnt');
    const empty = memclnt.methodsArray.filter((m) => m.responseType === '.google.protobuf.Empty');
    assert.ok(empty.length > 0);
    for (const m of empty) assert.equal(m.resolvedResponseType?.fullName, '.google.protobuf.Empty');
    const ip = root.lookupService('vpp.ip.Ip').methods['IpRouteAddDel'];
    assert.equal(ip?.resolvedRequestType?.fullName, '.vpp.ip.IpRouteAddDel');
  });

  it('keeps the custom options and the proto field names', () => {
    const rpc = root.lookupService('vpp.vpe.Vpe').methods['ShowVersion']!;
    const http = optionsOf(rpc).find((o) => '(google.api.http)' in o);
    assert.deepEqual(http?.['(google.api.http)'], { post: '/Vpe/ShowVersion/request', body: '*' });
    const dump = root.lookupType('vpp.interface.SwInterfaceDump');
    assert.ok(dump.fields['sw_if_index']);
    assert.deepEqual(dump.oneofs['has_sw_if_index']?.oneof, ['sw_if_index']);
    assert.ok(optionsOf(dump).some((o) => '(vpprpc.type)' in o));
  });

  it('loads only the files asked for, with their imports', () => {
    const small = loadServiceRoot(PROTO_DIR, ['vpp/memclnt.proto']);
    assert.ok(small.lookup('vpp.memclnt.Memclnt') instanceof protobuf.Service);
    assert.equal(small.lookup('vpp.ip.Ip'), null);
  });

  it('fails on an import it cannot find, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'protos-'));
    writeFileSync(join(dir, 'a.proto'), 'syntax = "proto3"; import "missing/b.proto"; message A { B b = 1; }');
    assert.throws(() => loadServiceRoot(dir), /missing\/b\.proto/);
    assert.throws(() => loadServiceRoot(join(dir, 'nope')), /no proto directory/);
  });
});
