/**
 * Types and values the protobuf tests share: the real VPP protos, and a small
 * proto of our own with what the VPP protos do not use (every scalar type,
 * aliases, proto3 `optional`, unpacked lists, a recursive type).
 */
import assert from 'node:assert/strict';
import protobuf from 'protobufjs';
import { DEFAULT_PROTO_DIR } from '../project.ts';
import type { JsonError, JsonErrorKind, ProtoError, ProtoErrorKind } from './errors.ts';
import { loadServiceRoot } from './load-root.ts';
import type { Value } from './values.ts';

let vppRoot: protobuf.Root | undefined;

export function vppType(name: string): protobuf.Type {
  vppRoot ??= loadServiceRoot(DEFAULT_PROTO_DIR);
  return vppRoot.lookupType(name);
}

export const TEST_PROTO = `syntax = "proto3";
package pbtest;

enum Color {
  option allow_alias = true;
  COLOR_NONE = 0;
  RED = 1;
  CRIMSON = 1;
  BLUE = -2;
}

message Scalars {
  double d = 1;
  float f = 2;
  int32 i32 = 3;
  int64 i64 = 4;
  uint32 u32 = 5;
  uint64 u64 = 6;
  sint32 s32 = 7;
  sint64 s64 = 8;
  fixed32 fx32 = 9;
  fixed64 fx64 = 10;
  sfixed32 sfx32 = 11;
  sfixed64 sfx64 = 12;
  bool b = 13;
  string s = 14;
  bytes by = 15;
  Color color = 16;
  optional int32 maybe = 17;
  string json_named = 18 [json_name = "renamed"];
}

message Lists {
  repeated double d = 1;
  repeated float f = 2;
  repeated int32 i32 = 3;
  repeated int64 i64 = 4;
  repeated uint32 u32 = 5;
  repeated uint64 u64 = 6;
  repeated sint32 s32 = 7;
  repeated sint64 s64 = 8;
  repeated fixed32 fx32 = 9;
  repeated fixed64 fx64 = 10;
  repeated sfixed32 sfx32 = 11;
  repeated sfixed64 sfx64 = 12;
  repeated bool b = 13;
  repeated string s = 14;
  repeated bytes by = 15;
  repeated Color color = 16;
  repeated int32 unpacked = 17 [packed = false];
  repeated Scalars items = 18;
}

message Tree {
  string name = 1;
  repeated Tree children = 2;
  oneof kind {
    string leaf = 3;
    Tree branch = 4;
  }
}

message WithMap {
  map<string, int32> counts = 1;
}
`;

let testRoot: protobuf.Root | undefined;

export function testType(name: string): protobuf.Type {
  if (!testRoot) {
    testRoot = protobuf.parse(TEST_PROTO, { keepCase: true }).root;
    testRoot.resolveAll();
  }
  return testRoot.lookupType(`pbtest.${name}`);
}

/** Every scalar at an extreme, and the values proto3 JSON spells specially. */
export const EXTREME_SCALARS: Value = {
  d: -1.5e300,
  f: 3.4028234663852886e38,
  i32: -2147483648,
  i64: -9223372036854775808n,
  u32: 4294967295,
  u64: 18446744073709551615n,
  s32: -2147483648,
  s64: -9223372036854775808n,
  fx32: 4294967295,
  fx64: 18446744073709551615n,
  sfx32: -2147483648,
  sfx64: 9223372036854775807n,
  b: true,
  s: 'naïve ☃ 𝄞 "quoted" \\ \n',
  by: Buffer.from([0, 1, 2, 253, 254, 255]),
  color: -2,
  maybe: 0,
  json_named: 'x',
};

export const LISTS: Value = {
  d: [0, -0.5, 1e-300, Infinity, -Infinity],
  f: [1.5, -2.25],
  i32: [0, -1, 2147483647, -2147483648],
  i64: [0n, -1n, 9223372036854775807n, -9223372036854775808n],
  u32: [0, 1, 4294967295],
  u64: [0n, 18446744073709551615n],
  s32: [-1, 1, -2147483648],
  s64: [-1n, 1n, -9223372036854775808n],
  fx32: [7, 4294967295],
  fx64: [7n, 18446744073709551615n],
  sfx32: [-7, 7],
  sfx64: [-7n, 7n],
  b: [true, false, true],
  s: ['', 'a', 'é'],
  by: [Buffer.alloc(0), Buffer.from('hi')],
  color: [0, 1, -2, 99],
  unpacked: [1, -1, 300],
  items: [{ i32: 1 }, {}, { s: 'x', color: 1 }],
};

/** Real VPP messages with nested lists, oneofs, presence and bytes. */
export const VPP_SAMPLES: { type: string; value: Value }[] = [
  {
    type: 'vpp.ip.IpRouteAddDel',
    value: {
      is_add: false,
      is_multipath: true,
      route: {
        table_id: 7,
        stats_index: 4294967295,
        prefix: '2001:db8::/32',
        paths: [
          { sw_if_index: 1, weight: 1, flags: [1, 2], proto: 1, nh: { address: { ip6: '2001:db8::1' } } },
          { sw_if_index: 4294967295, table_id: 2, preference: 3, type: 4, label_stack: [{ label: 16, ttl: 64 }] },
        ],
      },
    },
  },
  {
    type: 'vpp.interface.SwInterfaceDetails',
    value: {
      sw_if_index: 1,
      sup_sw_if_index: 1,
      l2_address: '02:fe:3c:4a:91:07',
      flags: [1, 2],
      type: 1,
      link_duplex: 2,
      link_speed: 10000000,
      link_mtu: 9000,
      mtu: [9000, 0, 0, 0],
      interface_name: 'GigabitEthernet0/8/0',
      interface_dev_type: 'dpdk',
      tag: 'uplink ✓',
    },
  },
  { type: 'vpp.interface.SwInterfaceDump', value: { sw_if_index: 0, name_filter_valid: true, name_filter: 'loop' } },
  { type: 'vpp.interface.SwInterfaceDump', value: {} },
  {
    type: 'vpp.flow_types.Flow',
    value: { ip4_n_tuple: { foo: -5, protocol: { prot: 6, mask: 255 }, src_port: { port: 80, mask: 65535 } } },
  },
  { type: 'vpp.flow_types.Flow', value: { ethernet: {} } },
  {
    type: 'vpp.gtpu.SwIfCounters',
    value: { packets_rx: 18446744073709551615n, packets_tx: 1n, bytes_rx: 9007199254740993n },
  },
  {
    type: 'vpp.bfd.BfdAuthSetKey',
    value: {
      conf_key_id: 1,
      key_len: 20,
      auth_type: 1,
      key: Buffer.from('000102030405060708090a0b0c0d0e0f10111213', 'hex'),
    },
  },
];

/** A message around VPP's one enum with a negative value (no VPP message uses it). */
export const PROBE_PROTO = `syntax = "proto3";
package probe;
import "vpp/lb_types.proto";
message NatProtocolProbe {
  vpp.lb_types.LbNatProtocol protocol = 1;
  repeated vpp.lb_types.LbNatProtocol protocols = 2;
}
`;

export function natProtocolProbe(): protobuf.Type {
  const root = loadServiceRoot(DEFAULT_PROTO_DIR, ['vpp/lb_types.proto']);
  protobuf.parse(PROBE_PROTO, root, { keepCase: true });
  root.resolveAll();
  return root.lookupType('probe.NatProtocolProbe');
}

/** Every sample message: the VPP ones, and the test proto's extremes, lists, recursion and the negative enum. */
export function allSamples(): { name: string; type: protobuf.Type; value: Value }[] {
  return [
    ...VPP_SAMPLES.map(({ type, value }) => ({ name: type, type: vppType(type), value })),
    { name: 'pbtest.Scalars', type: testType('Scalars'), value: EXTREME_SCALARS },
    { name: 'pbtest.Scalars (unset)', type: testType('Scalars'), value: {} },
    { name: 'pbtest.Lists', type: testType('Lists'), value: { ...LISTS, d: [...(LISTS.d as number[]), NaN] } },
    {
      name: 'pbtest.Tree',
      type: testType('Tree'),
      value: { name: 'a', children: [{ leaf: '' }], branch: { name: 'b' } },
    },
    { name: 'probe.NatProtocolProbe', type: natProtocolProbe(), value: { protocol: -1, protocols: [-1, 6, 23] } },
  ];
}

/** Asserts that `fn` throws our error of this class, kind and path. */
export function throwsAt(
  fn: () => unknown,
  errorClass: typeof ProtoError | typeof JsonError,
  kind: ProtoErrorKind | JsonErrorKind,
  path: string,
): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof errorClass, `expected a ${errorClass.name}, got ${String(e)}`);
    assert.equal(e.kind, kind, e.message);
    assert.equal(e.path, path, e.message);
    return true;
  });
}
