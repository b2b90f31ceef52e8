import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePolicy, globRegExp, isRead, patternList, refusalInfo, refusals, type RpcName } from './policy.ts';

const rpc = (service: string, method: string, request: string, kind: RpcName['kind'] = 'unary'): RpcName => ({
  service,
  method,
  request,
  kind,
});
const SHOW_VERSION = rpc('Vpe', 'ShowVersion', 'show_version');
const CLI = rpc('Vlib', 'CliInband', 'cli_inband');
const LOOPBACK = rpc('Interface', 'CreateLoopback', 'create_loopback');
const ITF_DUMP = rpc('Interface', 'SwInterfaceDump', 'sw_interface_dump', 'dump');
const ROUTE_DUMP = rpc('Ip', 'IpRouteDump', 'ip_route_dump', 'dump');
const ALL = [SHOW_VERSION, CLI, LOOPBACK, ITF_DUMP, ROUTE_DUMP];

describe('RPC policy', () => {
  it('globs: * any run, ? one character, anchored, dots literal', () => {
    assert.ok(globRegExp('Vpe/*').test('Vpe/ShowVersion'));
    assert.ok(!globRegExp('Vpe/*').test('VpeX/ShowVersion'));
    assert.ok(globRegExp('*_dump').test('ip_route_dump'));
    assert.ok(!globRegExp('*_dump').test('ip_route_dump_v2'));
    assert.ok(globRegExp('ip_route_dump_v?').test('ip_route_dump_v2'));
    assert.ok(!globRegExp('a.b').test('axb'));
  });

  it('takes comma lists and repeated flags alike', () => {
    assert.deepEqual(patternList(['Vpe/*, Interface/*', 'cli_inband', ' ']), ['Vpe/*', 'Interface/*', 'cli_inband']);
    assert.deepEqual(patternList(undefined), []);
  });

  it('costs nothing when off', () => {
    assert.equal(compilePolicy({ readOnly: false, allow: [], deny: [] }, ALL), undefined);
    assert.equal(refusals({ readOnly: false, allow: [], deny: [] }, [['x', CLI]]).size, 0);
    const some = refusals({ readOnly: true, allow: [], deny: [] }, [
      ['x', CLI],
      ['y', SHOW_VERSION],
    ]);
    assert.deepEqual([...some.keys()], ['x']);
  });

  it('matches Service/Rpc with a slash, else the RPC name or the VPP name', () => {
    const policy = compilePolicy({ readOnly: false, allow: [], deny: ['Vlib/*', '*Dump', 'create_loopback'] }, ALL)!;
    assert.equal(policy(CLI)?.pattern, 'Vlib/*');
    assert.equal(policy(ITF_DUMP)?.pattern, '*Dump');
    assert.equal(policy(LOOPBACK)?.pattern, 'create_loopback');
    assert.equal(policy(SHOW_VERSION), undefined);
  });

  it('refuses what no --allow pattern matches; deny wins over allow', () => {
    const policy = compilePolicy({ readOnly: false, allow: ['Vpe/*', 'Interface/*'], deny: ['*Dump'] }, ALL)!;
    assert.equal(policy(SHOW_VERSION), undefined);
    assert.equal(policy(LOOPBACK), undefined);
    assert.deepEqual(policy(ROUTE_DUMP), {
      rule: 'deny',
      pattern: '*Dump',
      message: 'Ip/IpRouteDump (ip_route_dump) is refused by --deny *Dump',
    });
    assert.deepEqual(policy(CLI), {
      rule: 'allow',
      message: 'Vlib/CliInband (cli_inband) is refused: it matches no --allow pattern',
    });
    assert.equal(policy(ITF_DUMP)?.rule, 'deny', 'allowed by Interface/*, denied by *Dump');
  });

  it('read-only refuses writes and cli_inband, and names the rule', () => {
    const policy = compilePolicy({ readOnly: true, allow: [], deny: [] }, ALL)!;
    assert.equal(policy(SHOW_VERSION), undefined);
    assert.equal(policy(ITF_DUMP), undefined);
    assert.equal(policy(LOOPBACK)?.rule, 'read-only');
    assert.match(policy(CLI)!.message, /^Vlib\/CliInband \(cli_inband\) is refused by --read-only/);
    assert.deepEqual(refusalInfo(policy(CLI)!), {
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: 'READ_ONLY',
      domain: 'vpp-rpc',
      metadata: { rule: 'read-only' },
    });
  });

  it('refuses to start on a pattern that matches nothing, or holds other characters', () => {
    assert.throws(
      () => compilePolicy({ readOnly: false, allow: [], deny: ['cli-inband'] }, ALL),
      /pattern "cli-inband"/,
    );
    assert.throws(
      () => compilePolicy({ readOnly: false, allow: [], deny: ['cli_inbnd'] }, ALL),
      /--deny cli_inbnd matches no RPC/,
    );
    assert.throws(
      () => compilePolicy({ readOnly: false, allow: ['Vpp/*'], deny: [] }, ALL),
      /--allow Vpp\/\* matches no RPC/,
    );
  });

  it('knows reads by shape and by name', () => {
    assert.ok(isRead('sw_interface_dump', 'dump'));
    assert.ok(isRead('trace_dump', 'cursor'));
    assert.ok(isRead('want_interface_events', 'events'));
    assert.ok(!isRead('want_ping_finished_events', 'events'), 'sends pings');
    assert.ok(!isRead('want_l2_macs_events', 'events'), 'flushes the L2 FIB');
    assert.ok(!isRead('dhcp_client_config', 'events'));
    assert.ok(isRead('show_version', 'unary'));
    assert.ok(isRead('sw_interface_get_mac_address', 'unary'));
    assert.ok(isRead('get_node_index', 'unary'));
    assert.ok(isRead('control_ping', 'unary'));
    assert.ok(!isRead('cli_inband', 'unary'));
    assert.ok(!isRead('cli', 'unary'));
    assert.ok(!isRead('sw_interface_set_flags', 'unary'));
    assert.ok(!isRead('showcase_add', 'unary'), 'a word, not a prefix');
  });
});
