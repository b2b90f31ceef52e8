import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { compileBinary } from './binary.ts';
import { JsonError, ProtoError, type JsonErrorKind } from './errors.ts';
import { compileJson } from './json.ts';
import { allSamples, EXTREME_SCALARS, natProtocolProbe, testType, throwsAt, vppType } from './test-fixtures.ts';
import type { Value } from './values.ts';

const throwsJson = (fn: () => unknown, kind: JsonErrorKind, path: string): void => throwsAt(fn, JsonError, kind, path);

const printed = (type: protobuf.Type, value: Value): unknown => JSON.parse(compileJson(type).toJson(value));

const dumpType = vppType('vpp.interface.SwInterfaceDump');
const routeType = vppType('vpp.ip.IpRouteAddDel');
const flowType = vppType('vpp.flow_types.Flow');
const scalarsType = testType('Scalars');
const listsType = testType('Lists');
const treeType = testType('Tree');

describe('compileJson round trips', () => {
  const samples = allSamples();
  for (const { name, type, value } of samples) {
    it(`reads back what it writes: ${name}`, () => {
      const json = compileJson(type);
      const binary = compileBinary(type);
      const back = json.fromJson(JSON.parse(json.toJson(value)));
      // the JSON spells out zero values that the value left absent; the canonical bytes are the same
      assert.deepEqual(binary.encode(back), binary.encode(value));
      assert.equal(json.toJson(back), json.toJson(value));
    });
  }

  it('gives each type one codec', () => {
    assert.equal(compileJson(routeType), compileJson(routeType));
  });

  it('refuses well-known types whose JSON form is special', () => {
    const wellKnown = protobuf.Root.fromJSON(protobuf.common.get('google/protobuf/timestamp.proto')!);
    assert.throws(
      () => compileJson(wellKnown.lookupType('google.protobuf.Timestamp')),
      (e: unknown) => e instanceof ProtoError && e.kind === 'unsupported',
    );
  });
});

describe('compileJson toJson', () => {
  it('writes every field by its proto name, unset oneof members left out', () => {
    assert.equal(compileJson(dumpType).toJson({}), '{"name_filter_valid":false,"name_filter":""}');
    assert.equal(
      compileJson(dumpType).toJson({ sw_if_index: 0 }),
      '{"sw_if_index":0,"name_filter_valid":false,"name_filter":""}',
    );
    assert.equal(
      compileJson(flowType).toJson({ ethernet: {} }),
      '{"ethernet":{"foo":0,"src_addr":"","dst_addr":"","type":0}}',
    );
    assert.equal(compileJson(routeType).toJson({}), '{"is_multipath":false,"route":null}');
    assert.equal(compileJson(treeType).toJson({}), '{"name":"","children":[]}');
    assert.equal(compileJson(vppType('google.protobuf.Empty')).toJson({}), '{}');
  });

  it('spells scalars the proto3 JSON way', () => {
    assert.deepEqual(printed(scalarsType, EXTREME_SCALARS), {
      d: -1.5e300,
      f: 3.4028235e38,
      i32: -2147483648,
      i64: '-9223372036854775808',
      u32: 4294967295,
      u64: '18446744073709551615',
      s32: -2147483648,
      s64: '-9223372036854775808',
      fx32: 4294967295,
      fx64: '18446744073709551615',
      sfx32: -2147483648,
      sfx64: '9223372036854775807',
      b: true,
      s: 'naïve ☃ 𝄞 "quoted" \\ \n',
      by: 'AAEC/f7/',
      color: 'BLUE',
      maybe: 0,
      json_named: 'x',
    });
    assert.equal(
      compileJson(scalarsType)
        .toJson({ f: Math.fround(1.1) })
        .match(/"f":([^,]*)/)?.[1],
      '1.1',
    );
    assert.equal(
      compileJson(scalarsType)
        .toJson({ d: -0 })
        .match(/"d":([^,]*)/)?.[1],
      '-0',
    );
  });

  it('writes lists, special doubles, enum aliases and unknown enum numbers', () => {
    const out = printed(listsType, { d: [1, NaN, Infinity, -Infinity], color: [0, 1, -2, 99], items: [{}] }) as Value;
    assert.deepEqual(out.d, [1, 'NaN', 'Infinity', '-Infinity']);
    // 1 is RED and its alias CRIMSON: the first name declared wins
    assert.deepEqual(out.color, ['COLOR_NONE', 'RED', 'BLUE', 99]);
    assert.equal((out.items as Value[]).length, 1);
    assert.deepEqual(out.i64, []);
  });

  it("writes VPP's negative enum value by name", () => {
    const probe = natProtocolProbe();
    assert.deepEqual(printed(probe, { protocol: -1 }), {
      protocol: 'LB_API_NAT_PROTOCOL_ANY',
      protocols: [],
    });
    assert.deepEqual(printed(probe, {}), { protocol: 'LB_NAT_PROTOCOL_UNSPECIFIED', protocols: [] });
  });

  it('names the field of a value that does not fit', () => {
    const route = compileJson(routeType);
    const fails = (value: Value, path: string): void =>
      assert.throws(
        () => route.toJson(value),
        (e: unknown) => e instanceof ProtoError && e.kind === 'invalid-value' && e.path === path,
      );
    fails({ route: { paths: [{}, { weight: 'x' }] } }, 'route.paths[1].weight');
    fails({ route: { paths: [{}, { flags: [1, 'NOPE'] }] } }, 'route.paths[1].flags[1]');
    fails({ route: 'x' }, 'route');
    fails({ is_add: 0 }, 'is_add');
  });
});

describe('compileJson fromJson', () => {
  const dump = compileJson(dumpType);
  const scalars = compileJson(scalarsType);
  const lists = compileJson(listsType);

  it('takes proto names, lowerCamelCase names and json_name', () => {
    assert.deepEqual(dump.fromJson({ swIfIndex: 3, nameFilterValid: true, name_filter: 'lo' }), {
      sw_if_index: 3,
      name_filter_valid: true,
      name_filter: 'lo',
    });
    assert.deepEqual(scalars.fromJson({ renamed: 'y' }), { json_named: 'y' });
    assert.deepEqual(scalars.fromJson({ json_named: 'y' }), { json_named: 'y' });
  });

  it('takes integers as numbers or strings, and special doubles as strings', () => {
    assert.deepEqual(
      scalars.fromJson({ u32: '7', i32: 1e2, i64: -5, u64: '18446744073709551615', s64: '-9223372036854775808' }),
      { u32: 7, i32: 100, i64: -5n, u64: 18446744073709551615n, s64: -9223372036854775808n },
    );
    assert.deepEqual(scalars.fromJson({ d: '1.5', f: 'Infinity' }), { d: 1.5, f: Infinity });
    assert.ok(Number.isNaN(scalars.fromJson({ d: 'NaN' }).d));
    assert.equal(scalars.fromJson({ f: 1.1 }).f, Math.fround(1.1));
    // the shortest text of the largest float is above it as a double, and still that float
    assert.equal(scalars.fromJson({ f: 3.4028235e38 }).f, 3.4028234663852886e38);
  });

  it('takes enums by name (aliases too) or number', () => {
    assert.deepEqual(lists.fromJson({ color: ['RED', 'CRIMSON', 'BLUE', -2, 99] }), { color: [1, 1, -2, -2, 99] });
    assert.deepEqual(printed(routeType, compileJson(routeType).fromJson({ route: { paths: [{ type: 1 }] } })), {
      is_multipath: false,
      route: {
        table_id: 0,
        stats_index: 0,
        prefix: '',
        paths: [
          {
            sw_if_index: 0,
            table_id: 0,
            rpf_id: 0,
            weight: 0,
            preference: 0,
            type: 'FIB_API_PATH_TYPE_LOCAL',
            flags: [],
            proto: 'FIB_API_PATH_NH_PROTO_IP4',
            nh: null,
            n_labels: 0,
            label_stack: [],
          },
        ],
      },
    });
  });

  it('takes base64 standard or URL-safe, padded or not', () => {
    const bytesOf = (text: string): unknown => scalars.fromJson({ by: text }).by;
    const expected = Buffer.from([0xfb, 0xff, 0xbf, 0x01]);
    for (const text of ['+/+/AQ==', '+/+/AQ', '-_-_AQ==', '-_-_AQ']) assert.deepEqual(bytesOf(text), expected, text);
    assert.deepEqual(bytesOf(''), Buffer.alloc(0));
  });

  it('takes null as absent', () => {
    assert.deepEqual(dump.fromJson({ sw_if_index: null, name_filter: null }), {});
    assert.deepEqual(lists.fromJson({ i32: null, items: null }), {});
    assert.deepEqual(compileJson(flowType).fromJson({ ip4: { foo: 1 }, ip6: null }), { ip4: { foo: 1 } });
  });

  it('rejects unknown fields, naming them in place', () => {
    const route = compileJson(routeType);
    throwsJson(
      () => route.fromJson({ route: { paths: [{}, { wieght: 1 }] } }),
      'unknown-field',
      'route.paths[1].wieght',
    );
    throwsJson(() => dump.fromJson({ context: 1 }), 'unknown-field', 'context');
    throwsJson(() => dump.fromJson(JSON.parse('{"__proto__": {"x": 1}}')), 'unknown-field', '__proto__');
  });

  it('rejects values of the wrong JSON type', () => {
    const route = compileJson(routeType);
    const path = (p: Value): Value => ({ route: { paths: [{}, p] } });
    throwsJson(() => route.fromJson(path({ weight: true })), 'wrong-type', 'route.paths[1].weight');
    throwsJson(() => route.fromJson(path({ flags: 'X' })), 'wrong-type', 'route.paths[1].flags');
    throwsJson(() => route.fromJson(path({ nh: [] })), 'wrong-type', 'route.paths[1].nh');
    throwsJson(() => route.fromJson({ route: { paths: {} } }), 'wrong-type', 'route.paths');
    throwsJson(() => dump.fromJson({ name_filter: 5 }), 'wrong-type', 'name_filter');
    throwsJson(() => dump.fromJson({ name_filter_valid: 'true' }), 'wrong-type', 'name_filter_valid');
    throwsJson(() => scalars.fromJson({ by: 5 }), 'wrong-type', 'by');
    throwsJson(() => scalars.fromJson({ i64: {} }), 'wrong-type', 'i64');
    throwsJson(() => scalars.fromJson({ color: true }), 'wrong-type', 'color');
    throwsJson(() => lists.fromJson({ i32: [1, null] }), 'wrong-type', 'i32[1]');
    throwsJson(() => lists.fromJson({ items: [{}, null] }), 'wrong-type', 'items[1]');
    throwsJson(() => dump.fromJson([]), 'wrong-type', '');
    throwsJson(() => dump.fromJson('{}'), 'wrong-type', '');
  });

  it('rejects integers that are not integers or out of range', () => {
    const route = compileJson(routeType);
    const path = (p: Value): Value => ({ route: { paths: [{}, p] } });
    throwsJson(() => route.fromJson(path({ weight: 1.5 })), 'not-integer', 'route.paths[1].weight');
    throwsJson(() => route.fromJson(path({ weight: '1x' })), 'not-integer', 'route.paths[1].weight');
    throwsJson(() => route.fromJson(path({ weight: -1 })), 'out-of-range', 'route.paths[1].weight');
    throwsJson(() => route.fromJson(path({ weight: 4294967296 })), 'out-of-range', 'route.paths[1].weight');
    throwsJson(() => scalars.fromJson({ i32: 2147483648 }), 'out-of-range', 'i32');
    throwsJson(() => scalars.fromJson({ i32: '-2147483649' }), 'out-of-range', 'i32');
    throwsJson(() => scalars.fromJson({ i64: '9223372036854775808' }), 'out-of-range', 'i64');
    throwsJson(() => scalars.fromJson({ u64: '-1' }), 'out-of-range', 'u64');
    throwsJson(() => scalars.fromJson({ u64: 2 ** 60 }), 'out-of-range', 'u64');
    throwsJson(() => scalars.fromJson({ u64: '1.0' }), 'not-integer', 'u64');
    throwsJson(() => scalars.fromJson({ f: 1e39 }), 'out-of-range', 'f');
    throwsJson(() => scalars.fromJson({ d: '1e999' }), 'out-of-range', 'd');
    throwsJson(() => scalars.fromJson({ color: 2 ** 31 }), 'out-of-range', 'color');
  });

  it('rejects NaN and Infinity as JS numbers', () => {
    throwsJson(() => scalars.fromJson({ d: NaN }), 'not-finite', 'd');
    throwsJson(() => scalars.fromJson({ i32: Infinity }), 'not-finite', 'i32');
  });

  it('rejects unknown enum names and text that is not base64', () => {
    throwsJson(
      () => compileJson(routeType).fromJson({ route: { paths: [{ flags: ['NOPE'] }] } }),
      'unknown-enum',
      'route.paths[0].flags[0]',
    );
    throwsJson(() => scalars.fromJson({ color: 'green' }), 'unknown-enum', 'color');
    for (const text of ['AAE*', 'A', 'AA=', 'AA=A', 'ab+_'])
      throwsJson(() => scalars.fromJson({ by: text }), 'bad-base64', 'by');
  });

  it('rejects two members of one oneof, and one field given twice', () => {
    throwsJson(() => compileJson(flowType).fromJson({ ip4: {}, ip6: {} }), 'oneof-conflict', 'ip6');
    throwsJson(() => dump.fromJson({ swIfIndex: 1, sw_if_index: 2 }), 'duplicate-field', 'sw_if_index');
  });

  it('rejects objects nested deeper than 64', () => {
    const tree = compileJson(treeType);
    const nest = (levels: number): Value => {
      let v: Value = { name: 'leaf' };
      for (let i = 0; i < levels; i++) v = { branch: v };
      return v;
    };
    assert.doesNotThrow(() => tree.fromJson(nest(64)));
    assert.throws(
      () => tree.fromJson(nest(65)),
      (e: unknown) => e instanceof JsonError && e.kind === 'too-deep' && e.path.startsWith('branch.branch.'),
    );
  });

  it('says what to do in its message', () => {
    assert.throws(() => compileJson(routeType).fromJson({ route: { paths: [{}, { weight: 'heavy' }] } }), {
      message: 'route.paths[1].weight: expected a uint32, got the string "heavy"',
    });
    assert.throws(() => scalars.fromJson({ u64: 2 ** 60 }), /give 64-bit values beyond 2\^53 as strings/);
    assert.throws(
      () => dump.fromJson({ nope: 1 }),
      /nope: unknown field; the fields are: sw_if_index, name_filter_valid/,
    );
  });
});
