import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { API_DIR, SHARED } from '../../test/support/paths.ts';
import { loadApiDir } from '../../vpp/api/load-json.ts';
import { rpcShape } from '../../vpp/api/mapping.ts';
import { readErrorTable } from './errors.ts';
import { copiedFrom, generateProtos } from './index.ts';
import { OWN_PROTO_DIR } from '../../lib/project.ts';

const model = loadApiDir(API_DIR);
const files = generateProtos(model, readErrorTable(`${SHARED}/vpp-errors.json`), OWN_PROTO_DIR);
const file = (module: string): string => files.get(`vpp/${module}.proto`)!;
/** the files generated from VPP's modules (proto/ also holds copies of the own protos of api/) */
const vppFiles = [...files].filter(([path]) => path.startsWith('vpp/')).map(([, text]) => text);

/** The text of one top-level block (`message X {` … `}`). */
function block(text: string, head: string): string {
  const start = text.indexOf(`\n${head} {`);
  assert.ok(start >= 0, `${head} not found`);
  return text.slice(start + 1, text.indexOf('\n}', start) + 2);
}

describe('proto generation', () => {
  it('writes one file per module, plus the options and Google API protos', () => {
    assert.equal([...files.keys()].filter((f) => f.startsWith('vpp/')).length, 150);
    assert.ok(files.has('vpprpc/options.proto'));
    assert.ok(files.has('google/api/annotations.proto'));
    assert.ok(files.has('google/api/http.proto'));
  });

  it('copies the own protos of api/, saying where to edit them', () => {
    const batch = files.get('vpprpc/batch.proto')!;
    assert.ok(batch.startsWith(copiedFrom('vpprpc/batch.proto')));
    assert.match(batch, /^service Batch \{$/m);
  });

  it('has one RPC per VPP service entry, each with its HTTP rule', () => {
    let rpcs = 0;
    let rules = 0;
    for (const text of vppFiles) {
      rpcs += text.match(/^ {2}rpc /gm)?.length ?? 0;
      rules += text.match(/option \(google\.api\.http\) = \{ post: "\/\w+\/\w+\/request" body: "\*" \};/g)?.length ?? 0;
    }
    assert.equal(rpcs, model.services.size);
    assert.equal(rules, model.services.size);
  });

  it('counts RPC shapes as the services declare them', () => {
    const kinds = { unary: 0, dump: 0, cursor: 0, events: 0 };
    for (const s of model.services.values()) kinds[rpcShape(s).kind]++;
    assert.deepEqual(kinds, { unary: 785, dump: 207, cursor: 20, events: 17 });
    let streams = 0;
    for (const text of vppFiles) streams += text.match(/returns \(stream /g)?.length ?? 0;
    assert.equal(streams, 207 + 20 + 17);
  });

  it('makes request/reply unary, dumps and events server streaming', () => {
    const vpe = file('vpe');
    assert.match(vpe, /^package vpp\.vpe;$/m);
    assert.match(vpe, /^service Vpe \{$/m);
    assert.match(vpe, /rpc ShowVersion\(\.vpp\.vpe\.ShowVersion\) returns \(\.vpp\.vpe\.ShowVersionReply\) \{\n {4}option \(google\.api\.http\) = \{ post: "\/Vpe\/ShowVersion\/request" body: "\*" \};/);
    const itf = file('interface');
    assert.match(itf, /rpc SwInterfaceDump\(\.vpp\.interface\.SwInterfaceDump\) returns \(stream \.vpp\.interface\.SwInterfaceDetails\)/);
    assert.match(itf, /rpc WantInterfaceEvents\(\.vpp\.interface\.WantInterfaceEvents\) returns \(stream \.vpp\.interface\.SwInterfaceEvent\)/);
    assert.match(itf, /rpc SwInterfaceTxPlacementGet\(.*\) returns \(stream \.vpp\.interface\.SwInterfaceTxPlacementDetails\)/);
    assert.match(file('memclnt'), /rpc RxThreadExit\(\.vpp\.memclnt\.RxThreadExit\) returns \(\.google\.protobuf\.Empty\)/);
  });

  it('maps fields as the type mapping says (docs/ARCHITECTURE.md)', () => {
    const dump = block(file('interface'), 'message SwInterfaceDump');
    assert.doesNotMatch(dump, / client_index = | context = /);
    assert.match(dump, /reserved 1, 2;/);
    assert.match(dump, /oneof has_sw_if_index \{ uint32 sw_if_index = 3 \[\(vpprpc\.field\) = \{ type: "interface_index" default_value: "4294967295" \}\]; \}/);
    assert.match(dump, /string name_filter = 5 \[\(vpprpc\.field\) = \{ type: "string" open: true \}\];/);
    const flags = block(file('interface'), 'message SwInterfaceSetFlags');
    // an interface index a request leaves out is ~0: it needs presence to tell 0 (local0) from absent
    assert.match(flags, /oneof has_sw_if_index \{ uint32 sw_if_index = 3 \[\(vpprpc\.field\) = \{ type: "interface_index" default_value: "4294967295" \}\]; \}/);
    assert.match(block(file('gre'), 'message GreTunnelDump'), /oneof has_sw_if_index \{/);
    assert.doesNotMatch(block(file('interface'), 'message SwInterfaceDetails'), /oneof has_sw_if_index/);
    assert.match(flags, /repeated \.vpp\.interface_types\.IfStatusFlags flags = 4/);
    const route = block(file('ip'), 'message IpRoute');
    assert.match(route, /string prefix = 3 \[\(vpprpc\.field\) = \{ type: "prefix" \}\];/);
    assert.match(route, /reserved 4;/);
    assert.match(route, /hidden \{ number: 4 name: "n_paths" field \{ type: "u8" \} \}/);
    assert.match(route, /repeated \.vpp\.fib_types\.FibPath paths = 5/);
    const loop = block(file('interface'), 'message CreateLoopback');
    assert.doesNotMatch(loop, /bytes mac_address/);
    assert.match(block(file('vpe'), 'message ShowVersionReply'), /string program = 3 \[\(vpprpc\.field\) = \{ type: "string" fixed_length: 32 \}\];/);
  });

  it('makes discriminated unions a oneof and keeps every arm of the others', () => {
    assert.match(block(file('flow_types'), 'message Flow'), /oneof arm \{/);
    const au = block(file('ip_types'), 'message AddressUnion');
    assert.doesNotMatch(au, /oneof/);
    assert.match(au, /string ip4 = 1/);
    assert.match(au, /string ip6 = 2/);
  });

  it('gives enums a zero value and records the VPP size', () => {
    const e = block(file('interface_types'), 'enum IfStatusFlags');
    assert.match(e, /option \(vpprpc\.enum\) = \{ name: "if_status_flags" size: "u32" kind: "enum" \};/);
    assert.match(e, /IF_STATUS_FLAGS_UNSPECIFIED = 0 \[\(vpprpc\.synthetic\) = true\];/);
    assert.match(block(file('lb_types'), 'enum LbNatProtocol'), /LB_API_NAT_PROTOCOL_ANY = -1;/);
  });

  it('renames definitions that clash with the service or names derived from it', () => {
    assert.match(file('punt'), /^service Punt \{$/m);
    assert.match(file('punt'), /^message PuntStruct \{$/m);
    assert.match(file('arping'), /^message ArpingRequest \{$/m);
    assert.match(file('dhcp'), /^message DhcpClientStruct \{$/m);
  });

  it('records the VPP name and CRC of every message', () => {
    let n = 0;
    for (const text of files.values()) n += text.match(/option \(vpprpc\.type\) = \{ name: "\w+" kind: "message" crc: "0x[0-9a-f]{8}"/g)?.length ?? 0;
    assert.equal(n, model.messages.size);
  });
});
