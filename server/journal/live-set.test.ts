import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_PROTO_DIR } from '../../lib/project.ts';
import { IndexModel } from '../../vpp/api/indexes.ts';
import { loadProtoIndex } from '../../vpp/api/load-proto.ts';
import type { Value } from '../../vpp/codec/types.ts';
import { buildRpcTable } from '../rpcs.ts';
import { LiveSet } from './live-set.ts';
import { encodeEntry, type JournalEntry } from './record.ts';
import { JournalRules, keepsCliCommand } from './rules.ts';
import { journalRpcs } from './rpcs.ts';

const protos = loadProtoIndex(DEFAULT_PROTO_DIR);
const rpcs = buildRpcTable(protos, protos.model);
const byPath = journalRpcs(rpcs);
const indexes = new IndexModel(protos.model);
const rules = new JournalRules(protos.model, indexes);
const pathOf = (message: string): string => rpcs.find((r) => r.vpp.request === message)!.path;

/** A journal's live set fed as the journal feeds it: request and reply values of VPP requests. */
function journal() {
  const live = new LiveSet(rules, indexes);
  let seq = 0;
  return {
    live,
    /** records a request VPP answered with `reply`; returns its seq */
    add(message: string, request: Value, reply?: Value): number {
      const rpc = byPath(pathOf(message))!;
      // what the server holds: the request as decoded from the caller's bytes
      const bytes = Buffer.from(rpc.encode(request));
      const value = rpc.decode(bytes);
      const entry: JournalEntry = {
        seq: ++seq,
        rpc: rpc.path,
        request: bytes,
        refs: live.refsOf(message, value),
        allocated: live.allocations(message, value, reply),
      };
      live.add(entry, encodeEntry(entry), rpc, value);
      return entry.seq;
    },
    messages: () => [...live.values()].map((e) => e.message),
  };
}

const route = (i: number, via = 0xffffffff): Value => ({
  route: {
    table_id: 7,
    prefix: `10.${(i >> 8) & 255}.${i & 255}.0/24`,
    paths: [{ sw_if_index: via, nh: { address: { ip4: '192.0.2.1' } } }],
  },
});

describe('journal live set', () => {
  it('forgets a route added then deleted, whatever came between', () => {
    const j = journal();
    for (let i = 0; i < 500; i++) j.add('ip_route_add_del', { is_add: true, ...route(i) }, { stats_index: i });
    assert.equal(j.live.size, 500);
    for (let i = 0; i < 500; i++) j.add('ip_route_add_del', { is_add: false, ...route(i) });
    assert.equal(j.live.size, 0);
    assert.equal(j.live.bytes, 0);
  });

  it('keeps a delete that undoes nothing it knows, and an add with other fields', () => {
    const j = journal();
    j.add('ip_route_add_del', { is_add: true, ...route(1) });
    j.add('ip_route_add_del', { is_add: false, ...route(2) });
    j.add('ip_route_add_del', { is_add: false, route: { ...(route(1).route as Value), paths: [] } });
    assert.equal(j.live.size, 3);
  });

  it('forgets a loopback deleted with everything only about it', () => {
    const j = journal();
    j.add('create_loopback', {}, { sw_if_index: 1 });
    j.add('sw_interface_set_flags', { sw_if_index: 1, flags: [1] });
    j.add('sw_interface_add_del_address', { sw_if_index: 1, is_add: true, prefix: '192.0.2.1/24' });
    j.add('ip_neighbor_add_del', {
      is_add: true,
      neighbor: { sw_if_index: 1, ip_address: '192.0.2.2', mac_address: '02:00:00:00:00:02' },
    });
    j.add('delete_loopback', { sw_if_index: 1 });
    assert.deepEqual(j.messages(), []);
  });

  it('keeps a deleted loopback when later ones would be numbered and named otherwise without it', () => {
    const j = journal();
    j.add('create_loopback', {}, { sw_if_index: 1 });
    j.add('sw_interface_set_flags', { sw_if_index: 1, flags: [1] });
    j.add('create_loopback', {}, { sw_if_index: 2 });
    j.add('delete_loopback', { sw_if_index: 1 });
    assert.deepEqual(j.messages(), ['create_loopback', 'create_loopback', 'delete_loopback']);
    // the newest one goes with its delete: nothing after it depends on where it stood
    j.add('create_loopback', {}, { sw_if_index: 1 });
    j.add('delete_loopback', { sw_if_index: 1 });
    assert.deepEqual(j.messages(), ['create_loopback', 'create_loopback', 'delete_loopback']);
    // VPP gives out the number freed last: a delete between a create and its delete orders what is free
    j.add('delete_loopback', { sw_if_index: 2 });
    assert.deepEqual(j.messages(), ['create_loopback', 'create_loopback', 'delete_loopback', 'delete_loopback']);
  });

  it('keeps a deleted loopback that a route still names, and everything in order', () => {
    const j = journal();
    j.add('create_loopback', {}, { sw_if_index: 1 });
    j.add('sw_interface_set_flags', { sw_if_index: 1, flags: [1] });
    j.add('ip_route_add_del', { is_add: true, ...route(1, 1) });
    j.add('delete_loopback', { sw_if_index: 1 });
    assert.deepEqual(j.messages(), ['create_loopback', 'ip_route_add_del', 'delete_loopback']);
  });

  it('tells apart two loopbacks VPP gave the same number', () => {
    const j = journal();
    const a = j.add('create_loopback', {}, { sw_if_index: 1 });
    j.add('ip_route_add_del', { is_add: true, ...route(1, 1) });
    j.add('delete_loopback', { sw_if_index: 1 });
    const b = j.add('create_loopback', {}, { sw_if_index: 1 });
    const flags = j.add('sw_interface_set_flags', { sw_if_index: 1, flags: [1] });
    const route1 = [...j.live.values()].find((e) => e.message === 'ip_route_add_del')!;
    assert.equal(route1.entry.refs[0]!.owner, a);
    assert.deepEqual(j.live.get(flags)!.entry.refs, [{ path: ['sw_if_index'], owner: b, field: 'sw_if_index' }]);
  });

  it('owns a sub-interface, which names its parent', () => {
    const j = journal();
    const parent = j.add('create_loopback', {}, { sw_if_index: 1 });
    const sub = j.add('create_vlan_subif', { sw_if_index: 1, vlan_id: 10 }, { sw_if_index: 2 });
    const flags = j.add('sw_interface_set_flags', { sw_if_index: 2, flags: [1] });
    assert.equal(j.live.get(sub)!.entry.refs[0]!.owner, parent);
    assert.equal(j.live.get(flags)!.entry.refs[0]!.owner, sub);
  });

  it('keeps the last set of one thing', () => {
    const j = journal();
    j.add('create_loopback', {}, { sw_if_index: 1 });
    j.add('create_loopback', {}, { sw_if_index: 2 });
    j.add('sw_interface_set_flags', { sw_if_index: 1, flags: [1] });
    j.add('sw_interface_set_flags', { sw_if_index: 2, flags: [1] });
    const last = j.add('sw_interface_set_flags', { sw_if_index: 1, flags: [] });
    assert.deepEqual(
      [...j.live.values()].filter((e) => e.message === 'sw_interface_set_flags').map((e) => e.entry.seq),
      [4, last],
    );
  });

  it('follows an ACL through its interfaces to its delete', () => {
    const j = journal();
    j.add('create_loopback', {}, { sw_if_index: 1 });
    const acl = j.add(
      'acl_add_replace',
      { acl_index: 0xffffffff, r: [{ is_permit: 1, src_prefix: '10.0.0.0/8', dst_prefix: '0.0.0.0/0' }] },
      { acl_index: 0 },
    );
    const bind = j.add('acl_interface_set_acl_list', { sw_if_index: 1, n_input: 1, acls: [0] });
    assert.deepEqual(
      j.live.get(bind)!.entry.refs.map((r) => r.owner),
      [1, acl],
    );
    // replacing the ACL's rules names it; it is not a new ACL
    j.add('acl_add_replace', { acl_index: 0, r: [] }, { acl_index: 0 });
    j.add('acl_interface_set_acl_list', { sw_if_index: 1, acls: [] });
    j.add('acl_del', { acl_index: 0 });
    assert.deepEqual(j.messages(), ['create_loopback', 'acl_interface_set_acl_list']);
  });

  it('does not take a delete of something about an interface for a delete of the interface', () => {
    const j = journal();
    j.add('create_loopback', {}, { sw_if_index: 1 });
    j.add('l3xc_del', { sw_if_index: 1, is_ip6: false });
    assert.deepEqual(j.messages(), ['create_loopback', 'l3xc_del']);
  });

  it('maps MACIP ACLs apart from ACLs', () => {
    const j = journal();
    const acl = j.add('acl_add_replace', { acl_index: 0xffffffff, r: [] }, { acl_index: 0 });
    const macip = j.add('macip_acl_add', { r: [] }, { acl_index: 0 });
    const a = j.add('acl_interface_add_del', { is_add: true, sw_if_index: 0, acl_index: 0 });
    const m = j.add('macip_acl_interface_add_del', { is_add: true, sw_if_index: 0, acl_index: 0 });
    assert.equal(j.live.get(a)!.entry.refs[0]!.owner, acl);
    assert.equal(j.live.get(m)!.entry.refs[0]!.owner, macip);
  });
});

describe('journal rules', () => {
  it('keeps configuration, not what acts once', () => {
    assert.equal(rules.of('pg_enable_disable').keep, 'never');
    assert.equal(rules.of('sw_interface_clear_stats').keep, 'never');
    assert.equal(rules.of('ikev2_initiate_sa_init').keep, 'never');
    assert.equal(rules.of('ip_route_add_del').keep, 'always');
    assert.deepEqual(rules.of('sw_interface_set_flags').subject, ['sw_if_index']);
    assert.deepEqual(rules.of('bridge_domain_add_del').flag, { field: 'is_add', number: 12, addWhen: true });
    assert.equal(rules.of('cli_inband').keep, 'cli');
  });

  it('keeps CLI commands that may configure', () => {
    for (const c of ['set interface state loop0 up', 'create loopback interface', 'packet-generator new { name x }'])
      assert.equal(keepsCliCommand(c), true, c);
    for (const c of [
      'show interface',
      'sh int',
      'clear errors',
      'ping 10.0.0.1',
      'packet-generator enable-stream x',
      '',
      'trace add af-packet-input 10',
    ])
      assert.equal(keepsCliCommand(c), false, c);
  });
});
