import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileBinary } from './binary.ts';
import { ProtoError, type ProtoErrorKind } from './errors.ts';
import { allSamples, testType, throwsAt, vppType } from './test-fixtures.ts';
import type { Value } from './values.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Buffer => Buffer.from(h.replace(/\s+/g, ''), 'hex');

const throwsProto = (fn: () => unknown, kind: ProtoErrorKind, path: string): void =>
  throwsAt(fn, ProtoError, kind, path);

/** protobufjs takes 64-bit values as decimal strings, not bigints. */
function forProtobufjs(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return v.map(forProtobufjs);
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'object' && v !== null)
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, forProtobufjs(x)]));
  return v;
}

const samples = allSamples();

describe('compileBinary round trips', () => {
  for (const { name, type, value } of samples) {
    it(`decodes what it encodes: ${name}`, () => {
      const codec = compileBinary(type);
      assert.deepEqual(codec.decode(codec.encode(value)), value);
    });
  }

  it('gives each type one codec, nested types included', () => {
    const route = compileBinary(vppType('vpp.ip.IpRouteAddDel'));
    assert.equal(compileBinary(vppType('vpp.ip.IpRouteAddDel')), route);
    const path = compileBinary(vppType('vpp.fib_types.FibPath'));
    assert.equal(compileBinary(vppType('vpp.fib_types.FibPath')), path);
    assert.deepEqual(path.decode(path.encode({ weight: 3 })), { weight: 3 });
  });

  it('encodes google.protobuf.Empty as no bytes', () => {
    const empty = compileBinary(vppType('google.protobuf.Empty'));
    assert.equal(empty.encode({}).length, 0);
    assert.deepEqual(empty.decode(new Uint8Array(0)), {});
  });
});

describe('compileBinary agrees with protobufjs', () => {
  for (const { name, type, value } of samples) {
    it(`same bytes both ways: ${name}`, () => {
      const codec = compileBinary(type);
      const ours = codec.encode(value);
      // protobufjs reads our bytes to the same message: re-encoding gives our bytes back
      assert.equal(hex(type.encode(type.decode(ours)).finish()), hex(ours));
      // and we read protobufjs's bytes of the same value
      const theirs = type.encode(type.fromObject(forProtobufjs(value) as Record<string, unknown>)).finish();
      assert.deepEqual(codec.decode(theirs), value);
    });
  }
});

describe('compileBinary encode', () => {
  const dump = compileBinary(vppType('vpp.interface.SwInterfaceDump'));
  const scalars = compileBinary(testType('Scalars'));
  const lists = compileBinary(testType('Lists'));
  const route = compileBinary(vppType('vpp.ip.IpRouteAddDel'));

  it('writes proto3 canonical bytes: zeros left out, presence fields always written', () => {
    assert.equal(hex(dump.encode({})), '');
    assert.equal(hex(dump.encode({ sw_if_index: 0 })), '1800');
    assert.equal(hex(dump.encode({ sw_if_index: 0, name_filter_valid: false, name_filter: '' })), '1800');
    assert.equal(hex(scalars.encode({ i32: 0, s: '', by: Buffer.alloc(0), b: false, d: 0, color: 0 })), '');
    assert.equal(hex(scalars.encode({ d: -0 })), '090000000000000080');
  });

  it('writes a negative int32 as a 10-byte varint and sint32 zigzag', () => {
    assert.equal(hex(scalars.encode({ i32: -1 })), '18ffffffffffffffffff01');
    assert.equal(hex(scalars.encode({ s32: -1 })), '3801');
  });

  it('packs repeated scalars, and not strings or [packed = false]', () => {
    assert.equal(hex(lists.encode({ i32: [1, 2, 300] })), '1a0401 02ac02'.replace(/ /g, ''));
    assert.equal(hex(lists.encode({ s: ['a', 'b'] })), '72016172 0162'.replace(/ /g, ''));
    assert.equal(hex(lists.encode({ unpacked: [1, 2] })), '88010188 0102'.replace(/ /g, ''));
  });

  it('writes lengths of 128 bytes and more', () => {
    const long = 'x'.repeat(300);
    const tree = compileBinary(testType('Tree'));
    const encoded = tree.encode({ branch: { name: long } });
    assert.equal(hex(encoded.subarray(0, 6)), '22af020aac02');
    assert.deepEqual(tree.decode(encoded), { branch: { name: long } });
  });

  it('takes enum symbols, 64-bit numbers and decimal strings, and null as absent', () => {
    assert.deepEqual(scalars.decode(scalars.encode({ color: 'CRIMSON', i64: -5, u64: '18446744073709551615' })), {
      color: 1,
      i64: -5n,
      u64: 18446744073709551615n,
    });
    assert.deepEqual(scalars.decode(scalars.encode({ s: null, maybe: null })), {});
  });

  it('names the field of a value that does not fit', () => {
    const path = (p: Value): Value => ({ route: { paths: [{}, p] } });
    throwsProto(() => route.encode(path({ weight: -1 })), 'invalid-value', 'route.paths[1].weight');
    throwsProto(() => route.encode(path({ weight: 4294967296 })), 'invalid-value', 'route.paths[1].weight');
    throwsProto(() => route.encode(path({ weight: '1' })), 'invalid-value', 'route.paths[1].weight');
    throwsProto(() => route.encode(path({ flags: [1, 'NOPE'] })), 'invalid-value', 'route.paths[1].flags[1]');
    throwsProto(() => route.encode(path({ flags: 1 })), 'invalid-value', 'route.paths[1].flags');
    throwsProto(() => route.encode(path({ nh: 'x' })), 'invalid-value', 'route.paths[1].nh');
    throwsProto(
      () => route.encode(path({ nh: { address: { ip4: 4 } } })),
      'invalid-value',
      'route.paths[1].nh.address.ip4',
    );
    throwsProto(() => route.encode({ route: { paths: [null] } }), 'invalid-value', 'route.paths[0]');
    throwsProto(() => route.encode({ is_add: 1 }), 'invalid-value', 'is_add');
    throwsProto(() => scalars.encode({ i32: 1.5 }), 'invalid-value', 'i32');
    throwsProto(() => scalars.encode({ i32: 2147483648 }), 'invalid-value', 'i32');
    throwsProto(() => scalars.encode({ i64: 2n ** 63n }), 'invalid-value', 'i64');
    throwsProto(() => scalars.encode({ u64: -1n }), 'invalid-value', 'u64');
    throwsProto(() => scalars.encode({ u64: 2 ** 60 }), 'invalid-value', 'u64');
    throwsProto(() => scalars.encode({ f: 1e39 }), 'invalid-value', 'f');
    assert.equal(scalars.decode(scalars.encode({ f: 3.4028235e38 })).f, 3.4028234663852886e38);
    throwsProto(() => scalars.encode({ by: 'AAEC' }), 'invalid-value', 'by');
    throwsProto(() => scalars.encode({ s: 5 }), 'invalid-value', 's');
    throwsProto(() => scalars.encode({ b: 'true' }), 'invalid-value', 'b');
    throwsProto(() => scalars.encode({ color: 1.5 }), 'invalid-value', 'color');
    throwsProto(() => scalars.encode([] as unknown as Value), 'invalid-value', '');
  });

  it('refuses two members of one oneof', () => {
    const flow = compileBinary(vppType('vpp.flow_types.Flow'));
    throwsProto(() => flow.encode({ ip4: {}, ip6: {} }), 'invalid-value', 'ip6');
  });

  it('refuses a value nested deeper than 100 (a cycle, say)', () => {
    const tree = compileBinary(testType('Tree'));
    const cyclic: Value = { name: 'loop' };
    cyclic.branch = cyclic;
    assert.throws(
      () => tree.encode(cyclic),
      (e: unknown) => e instanceof ProtoError && e.kind === 'too-deep',
    );
    // and encodes fine afterwards: the shared writer was reset
    assert.deepEqual(tree.decode(tree.encode({ name: 'ok' })), { name: 'ok' });
  });

  it('refuses maps and other schema it does not handle', () => {
    throwsProto(() => compileBinary(testType('WithMap')), 'unsupported', 'counts');
  });
});

describe('compileBinary decode accepts what a conforming encoder may send', () => {
  const dump = compileBinary(vppType('vpp.interface.SwInterfaceDump'));
  const scalars = compileBinary(testType('Scalars'));
  const lists = compileBinary(testType('Lists'));
  const route = compileBinary(vppType('vpp.ip.IpRouteAddDel'));
  const flow = compileBinary(vppType('vpp.flow_types.Flow'));

  it('reads fields in any order', () => {
    assert.deepEqual(dump.decode(bytes('2a 04 6c6f6f70 2001 1805')), {
      sw_if_index: 5,
      name_filter_valid: true,
      name_filter: 'loop',
    });
  });

  it('reads packed and unpacked lists, mixed', () => {
    assert.deepEqual(lists.decode(bytes('1801 1a020203 1804')), { i32: [1, 2, 3, 4] });
    assert.deepEqual(lists.decode(bytes('8a01020102')), { unpacked: [1, 2] });
    assert.deepEqual(lists.decode(bytes('7a00')), { by: [Buffer.alloc(0)] });
  });

  it('skips unknown fields of every wire type, groups included', () => {
    const unknown = [
      'f807 96ca01', // 127: varint
      'f907 0102030405060708', // 127: fixed64
      'fa07 03 616263', // 127: length-delimited
      'fd07 01020304', // 127: fixed32
      'fb07 0801 fb07 1002 fc07 fc07', // 127: a group holding a varint and a nested group
    ].join('');
    assert.deepEqual(dump.decode(bytes(`${unknown} 1807 ${unknown}`)), { sw_if_index: 7 });
  });

  it('keeps the last of a repeated singular scalar', () => {
    assert.deepEqual(dump.decode(bytes('1801 1802 2a0161 2a0162')), { sw_if_index: 2, name_filter: 'b' });
  });

  it('merges a singular message seen twice', () => {
    const first = route.encode({ route: { table_id: 1, paths: [{ weight: 1 }] } });
    const second = route.encode({ route: { prefix: '10.0.0.0/8', paths: [{ weight: 2 }] } });
    assert.deepEqual(route.decode(Buffer.concat([first, second])), {
      route: { table_id: 1, prefix: '10.0.0.0/8', paths: [{ weight: 1 }, { weight: 2 }] },
    });
  });

  it('keeps only the last member of a oneof', () => {
    const ip4 = flow.encode({ ip4: { foo: 1 } });
    const ip6 = flow.encode({ ip6: { foo: 2 } });
    assert.deepEqual(flow.decode(Buffer.concat([ip4, ip6])), { ip6: { foo: 2 } });
    assert.deepEqual(flow.decode(Buffer.concat([ip6, ip4])), { ip4: { foo: 1 } });
  });

  it('reads negative int32 from 10 bytes, and keeps the low 32 bits of wider varints', () => {
    assert.deepEqual(scalars.decode(bytes('18ffffffffffffffffff01')), { i32: -1 });
    assert.deepEqual(scalars.decode(bytes('28ffffffff8f80808001')), { u32: 4294967295 });
    assert.deepEqual(scalars.decode(bytes('688080808010')), { b: true });
  });

  it('gives bytes as a copy', () => {
    const input = scalars.encode({ by: Buffer.from([1, 2, 3]) });
    const value = scalars.decode(input);
    input.fill(0);
    assert.deepEqual(value.by, Buffer.from([1, 2, 3]));
  });

  it('reads a plain Uint8Array as well as a Buffer', () => {
    const input = dump.encode({ name_filter: 'eth' });
    assert.deepEqual(dump.decode(new Uint8Array(input)), { name_filter: 'eth' });
  });
});

describe('compileBinary decode rejects malformed input', () => {
  const dump = compileBinary(vppType('vpp.interface.SwInterfaceDump'));
  const route = compileBinary(vppType('vpp.ip.IpRouteAddDel'));
  const scalars = compileBinary(testType('Scalars'));
  const tree = compileBinary(testType('Tree'));

  it('a truncated varint, tag or fixed value', () => {
    throwsProto(() => dump.decode(bytes('18ff')), 'truncated', 'sw_if_index');
    throwsProto(() => dump.decode(bytes('ff')), 'truncated', '');
    throwsProto(() => scalars.decode(bytes('150102')), 'truncated', 'f');
    throwsProto(() => scalars.decode(bytes('0901020304050607')), 'truncated', 'd');
  });

  it('a length past the end, without allocating it', () => {
    throwsProto(() => dump.decode(bytes('2a05 6c6f6f70')), 'truncated', 'name_filter');
    throwsProto(() => dump.decode(bytes('2affffffff07')), 'truncated', 'name_filter');
    throwsProto(() => dump.decode(bytes('2a80808080808080808001')), 'truncated', 'name_filter');
  });

  it('a value that runs past its enclosing message', () => {
    // route (3 bytes) holds table_id whose varint continues past the route's end
    throwsProto(() => route.decode(bytes('2a 02 08 ff 01')), 'truncated', 'route.table_id');
  });

  it('a varint longer than 10 bytes, and a tag beyond 32 bits', () => {
    throwsProto(() => dump.decode(bytes('18ffffffffffffffffffff01')), 'bad-varint', 'sw_if_index');
    throwsProto(() => dump.decode(bytes('ffffffff7f00')), 'bad-varint', '');
  });

  it('invalid wire types, field number 0 and a stray end-group', () => {
    throwsProto(() => dump.decode(bytes('fe07 00')), 'bad-wire-type', '');
    throwsProto(() => dump.decode(bytes('ff07 00')), 'bad-wire-type', '');
    throwsProto(() => dump.decode(bytes('0001')), 'bad-wire-type', '');
    throwsProto(() => dump.decode(bytes('fc07')), 'bad-wire-type', '');
    throwsProto(() => dump.decode(bytes('fb07 0801')), 'truncated', '');
    throwsProto(() => dump.decode(bytes('fb07 8408')), 'bad-wire-type', '');
  });

  it('a known field with the wrong wire type', () => {
    throwsProto(() => dump.decode(bytes('1a0100')), 'wrong-wire-type', 'sw_if_index');
    throwsProto(() => dump.decode(bytes('2801')), 'wrong-wire-type', 'name_filter');
    throwsProto(() => route.decode(bytes('2801')), 'wrong-wire-type', 'route');
    throwsProto(() => scalars.decode(bytes('0801')), 'wrong-wire-type', 'd');
  });

  it('a string that is not UTF-8, with the path to it', () => {
    throwsProto(() => dump.decode(bytes('2a02c328')), 'invalid-utf8', 'name_filter');
    const bad = route.encode({ route: { paths: [{}, { nh: { address: { ip4: 'ab' } } }] } });
    const at = bad.indexOf(Buffer.from('ab'));
    bad[at] = 0xff;
    throwsProto(() => route.decode(bad), 'invalid-utf8', 'route.paths[1].nh.address.ip4');
  });

  it('messages nested deeper than 100, and groups too', () => {
    let deep: Value = { name: 'leaf' };
    for (let i = 0; i < 100; i++) deep = { branch: deep };
    assert.doesNotThrow(() => tree.decode(tree.encode(deep)));
    // 101 levels of `branch`, built from the inside out
    let nested = Buffer.alloc(0);
    for (let i = 0; i < 101; i++) nested = Buffer.concat([Buffer.from([0x22]), lengthOf(nested.length), nested]);
    assert.throws(
      () => tree.decode(nested),
      (e: unknown) => e instanceof ProtoError && e.kind === 'too-deep',
    );
    const groups = Buffer.concat([Buffer.alloc(102, 0x7b), Buffer.alloc(102, 0x7c)]);
    assert.throws(
      () => tree.decode(groups),
      (e: unknown) => e instanceof ProtoError && e.kind === 'too-deep',
    );
  });

  it('a path through repeated messages names the element', () => {
    const good = route.encode({ route: { paths: [{ weight: 1 }, { weight: 2 }] } });
    // the second path's weight varint becomes a fixed32
    const at = good.lastIndexOf(Buffer.from([0x20, 0x02]));
    good[at] = 0x25;
    throwsProto(() => route.decode(good), 'wrong-wire-type', 'route.paths[1].weight');
  });
});

function lengthOf(n: number): Buffer {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}
