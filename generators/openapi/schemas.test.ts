import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { componentsAjv } from '../../test/support/openapi-ajv.ts';
import { API_DIR, PROTO_DIR } from '../../test/support/paths.ts';
import { loadApiDir } from '../../vpp/api/load-json.ts';
import { loadProtoDir } from '../../vpp/api/load-proto.ts';
import { protoNames } from '../proto/naming.ts';
import { buildSchemas, schemaRef, type Schema } from './schemas.ts';

const model = loadApiDir(API_DIR);
const schemas = buildSchemas(model, protoNames(model));
const schema = (name: string): Schema => {
  const s = schemas[name];
  assert.ok(s, `no schema ${name}`);
  return s;
};
const prop = (name: string, field: string): Schema => {
  const p = schema(name).properties?.[field];
  assert.ok(p, `${name} has no property ${field}`);
  return p;
};

const compile = componentsAjv(schemas);
/** A validator for one component. */
const validator = (name: string) => compile({ $ref: schemaRef(name) });

/** Every message and enum of the generated protos below package `vpp`. */
function protoTypes(): { messages: protobuf.Type[]; enums: protobuf.Enum[] } {
  const messages: protobuf.Type[] = [];
  const enums: protobuf.Enum[] = [];
  const walk = (ns: protobuf.NamespaceBase): void => {
    for (const o of ns.nestedArray) {
      if (o instanceof protobuf.Type) messages.push(o);
      else if (o instanceof protobuf.Enum) enums.push(o);
      if (o instanceof protobuf.Namespace) walk(o);
    }
  };
  walk(loadProtoDir(PROTO_DIR).root.lookup('vpp') as protobuf.Namespace);
  for (const t of messages) for (const f of t.fieldsArray) f.resolve();
  return { messages, enums };
}

const PROTO_SCALAR: Record<string, Schema> = {
  uint32: { type: 'integer' },
  int32: { type: 'integer' },
  uint64: { type: 'string', format: 'uint64' },
  int64: { type: 'string', format: 'int64' },
  double: { type: 'number' },
  bool: { type: 'boolean' },
  bytes: { type: 'string', contentEncoding: 'base64' },
  string: { type: 'string' },
};

describe('OpenAPI schemas', () => {
  it('describe every proto message and enum field for field', () => {
    const { messages, enums } = protoTypes();
    let checked = 0;
    for (const t of messages) {
      const name = t.fullName.slice(1);
      const s = schemas[name];
      // the struct form of addresses, prefixes and MACs is never used in JSON
      if (!s) {
        assert.match(name, /\.(Address|Prefix|AddressWithPrefix|Ip[46]Prefix|Ip[46]AddressWithPrefix|MacAddress)$/);
        continue;
      }
      const props = s.oneOf ? Object.assign({}, ...s.oneOf.map((a) => a.properties)) : s.properties;
      assert.deepEqual(Object.keys(props).sort(), Object.keys(t.fields).sort(), name);
      for (const f of t.fieldsArray) {
        const p = props[f.name] as Schema;
        const element = f.repeated ? p.items! : p;
        assert.equal(p.type === 'array', f.repeated, `${name}.${f.name}`);
        if (f.resolvedType) assert.equal(element.$ref, schemaRef(f.resolvedType.fullName.slice(1)), `${name}.${f.name}`);
        else {
          const want = PROTO_SCALAR[f.type]!;
          for (const [k, v] of Object.entries(want)) assert.equal(element[k as keyof Schema], v, `${name}.${f.name} ${k}`);
        }
        checked++;
      }
      if (s.oneOf) assert.ok(t.oneofsArray.some((o) => o.name === 'arm'), `${name} is a oneof in proto`);
    }
    for (const e of enums) assert.deepEqual(schema(e.fullName.slice(1)).enum, Object.keys(e.values), e.fullName);
    assert.ok(checked > 5000, `${checked} fields checked`);
  });

  it('give SwInterfaceDump its VPP default and hide the transport fields', () => {
    const s = schema('vpp.interface.SwInterfaceDump');
    assert.deepEqual(Object.keys(s.properties!), ['sw_if_index', 'name_filter_valid', 'name_filter']);
    assert.equal(s.additionalProperties, false);
    const idx = prop('vpp.interface.SwInterfaceDump', 'sw_if_index');
    assert.equal(idx.default, 4294967295);
    assert.deepEqual([idx.type, idx.minimum, idx.maximum], ['integer', 0, 4294967295]);
    assert.deepEqual(s['x-vpp'], { name: 'sw_interface_dump', crc: '0xaa610c27' });
  });

  it('document ~0 as what an absent interface index in a request means', () => {
    for (const [msg, field] of [
      ['vpp.gre.GreTunnelDump', 'sw_if_index'],
      ['vpp.interface.SwInterfaceSetFlags', 'sw_if_index'],
      ['vpp.l2.SwInterfaceSetL2Xconnect', 'tx_sw_if_index'],
    ] as const) {
      const p = prop(msg, field);
      assert.equal(p.default, 4294967295, `${msg}.${field}`);
      assert.match(p.description!, /Absent: 4294967295 \(~0\)/, `${msg}.${field}`);
    }
    assert.equal(prop('vpp.interface.SwInterfaceDetails', 'sw_if_index').default, undefined);
  });

  it('give IpRoute its paths but not their count', () => {
    const s = schema('vpp.ip.IpRoute');
    assert.ok(!('n_paths' in s.properties!));
    assert.deepEqual(prop('vpp.ip.IpRoute', 'paths'), {
      description: 'The paths of the route.',
      type: 'array',
      items: { $ref: schemaRef('vpp.fib_types.FibPath') },
    });
    assert.equal(prop('vpp.ip.IpRoute', 'prefix').format, 'ip-prefix');
  });

  it('make bit-sets arrays of enum names', () => {
    const flags = prop('vpp.interface.SwInterfaceSetFlags', 'flags');
    assert.equal(flags.type, 'array');
    assert.equal(flags.items?.$ref, schemaRef('vpp.interface_types.IfStatusFlags'));
    const e = schema('vpp.interface_types.IfStatusFlags');
    assert.equal(e.type, 'string');
    assert.ok(e.enum?.includes('IF_STATUS_API_FLAG_ADMIN_UP'));
    assert.ok(validator('vpp.interface.SwInterfaceSetFlags')({ sw_if_index: 1, flags: ['IF_STATUS_API_FLAG_ADMIN_UP'] }));
    assert.ok(!validator('vpp.interface.SwInterfaceSetFlags')({ sw_if_index: 1, flags: ['ADMIN_UP'] }));
  });

  it('make MAC addresses and other well-known types text', () => {
    const mac = prop('vpp.interface.CreateLoopback', 'mac_address');
    assert.deepEqual([mac.type, mac.format, mac.examples], ['string', 'mac', ['02:fe:00:00:00:01']]);
    const v = validator('vpp.interface.CreateLoopback');
    assert.ok(v({ mac_address: '02:fe:00:00:00:01' }));
    assert.ok(!v({ mac_address: '02:fe:00:00:00' }));
    assert.ok(!v({ mac_address: 'AgAAAAAB' }), 'not base64 bytes');
    assert.equal(prop('vpp.interface.SwInterfaceAddDelAddress', 'prefix').format, 'ip-prefix');
    assert.equal(prop('vpp.ip_neighbor.IpNeighborStruct', 'ip_address').format, 'ip-address');
  });

  it('make discriminated unions exactly one of their arms', () => {
    const s = schema('vpp.punt.PuntUnion');
    assert.deepEqual(
      s.oneOf?.map((a) => [a.title, a.required, a.additionalProperties]),
      [
        ['exception (PUNT_API_TYPE_EXCEPTION)', ['exception'], false],
        ['l4 (PUNT_API_TYPE_L4)', ['l4'], false],
        ['ip_proto (PUNT_API_TYPE_IP_PROTO)', ['ip_proto'], false],
      ],
    );
    const v = validator('vpp.punt.PuntUnion');
    assert.ok(v({ l4: { af: 'ADDRESS_IP4', protocol: 'IP_API_PROTO_UDP', port: 53 } }));
    assert.ok(!v({}), 'no arm');
    assert.ok(!v({ l4: {}, ip_proto: {} }), 'two arms');
    assert.match(prop('vpp.punt.PuntStruct', 'punt').description!, /the one `type` selects/);
  });

  it('keep every arm of other unions', () => {
    const s = schema('vpp.ip_types.AddressUnion');
    assert.equal(s.oneOf, undefined);
    assert.deepEqual(Object.keys(s.properties!), ['ip4', 'ip6']);
    assert.deepEqual([s.properties!.ip4!.format, s.properties!.ip6!.format], ['ipv4', 'ipv6']);
  });

  it('bound integers, strings, bytes and arrays by their VPP types', () => {
    const weight = prop('vpp.fib_types.FibPath', 'weight');
    assert.deepEqual([weight.minimum, weight.maximum], [0, 255]);
    const offset = prop('vpp.classify.ClassifyAddDelTable', 'current_data_offset');
    assert.deepEqual([offset.minimum, offset.maximum, offset.default], [-32768, 32767, 0]);
    const body = prop('vpp.http_static.HttpStaticEnableV4', 'max_body_size');
    assert.deepEqual([body.type, body.pattern, body.default], ['string', '^[0-9]+$', '8000']);
    assert.match(body.description!, /JSON number/);
    const program = prop('vpp.vpe.ShowVersionReply', 'program');
    assert.equal(program.maxLength, 31);
    assert.match(program.description!, /At most 31 bytes/);
    const key = prop('vpp.bfd.BfdAuthSetKey', 'key');
    assert.deepEqual([key.type, key.contentEncoding, key.maxLength], ['string', 'base64', 28]);
    assert.equal(prop('vpp.interface.SwInterfaceSetMtu', 'mtu').maxItems, 4);
    assert.equal(prop('vpp.vpe.ShowVpeSystemTimeReply', 'vpe_system_time').type, 'number');
  });

  it('spell enum defaults as names, and say so when VPP has no name for one', () => {
    assert.equal(prop('vpp.rdma.RdmaCreateV3', 'mode').default, 'RDMA_API_MODE_AUTO');
    const proto = prop('vpp.ip_session_redirect.IpSessionRedirectAddV2', 'proto');
    assert.equal(proto.default, undefined);
    assert.match(proto.description!, /default 4294967295/);
  });

  it('take field descriptions from @param lines and mark deprecated messages', () => {
    assert.match(prop('vpp.interface.SwInterfaceSetFlags', 'sw_if_index').description!, /index of the interface to set flags on/);
    const deprecated = [...model.messages.values()].find((m) => m.options.deprecated)!;
    const s = Object.values(schemas).find((x) => x['x-vpp']?.name === deprecated.name && 'crc' in x['x-vpp']);
    assert.equal(s?.deprecated, true);
  });
});
