/**
 * Configuration through REST on a real VPP, module by module: create, read
 * back through the dump, check VPP's own CLI, delete, read back again.
 *
 * Dumps whose interface index has no default in the API file get
 * `sw_if_index: 4294967295` ("all") explicitly, and so does `acl_dump`'s
 * `acl_index`: these requests do not depend on how the product fills an
 * absent field (gre_tunnel_dump, ipip_tunnel_dump, vxlan_tunnel_v2_dump,
 * wireguard_interface_dump, acl_dump; vxlan's mcast_sw_if_index and
 * decap_next_index likewise).
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { post } from './support/http.ts';
import { describeRealVpp, startRealVpp, type RealVpp } from './support/real-vpp.ts';
import { startStack, type Stack } from './support/stack.ts';

const ALL = 4294967295;
type Json = Record<string, unknown>;

describeRealVpp('configuration sequences through REST, checked against VPP', () => {
  let vpp: RealVpp;
  let stack: Stack;
  /** a loopback with an address, for the sequences that need an interface */
  let loop: number;

  /** POST a request that must succeed; its JSON. */
  async function call<T = Json>(route: string, body: unknown): Promise<T> {
    const r = await post(`${stack.rest}/${route}/request`, body);
    assert.equal(r.status, 200, `${route} ${JSON.stringify(body)}: ${r.text}`);
    return r.json as T;
  }
  const dump = (route: string, body: unknown): Promise<Json[]> => call<Json[]>(route, body);
  const cli = (...cmd: string[]): string => vpp.cli(...cmd);

  before(async () => {
    vpp = await startRealVpp();
    stack = await startStack({ vppSocket: vpp.apiSocket });
    loop = (await call<{ sw_if_index: number }>('Interface/CreateLoopback', {})).sw_if_index;
    await call('Interface/SwInterfaceSetFlags', { sw_if_index: loop, flags: ['IF_STATUS_API_FLAG_ADMIN_UP'] });
    await call('Interface/SwInterfaceAddDelAddress', { sw_if_index: loop, is_add: true, prefix: '10.50.0.1/24' });
  });
  after(async () => {
    await stack?.stop();
    await vpp?.stop();
  });

  it('interface: a loopback', async () => {
    const made = await call<{ sw_if_index: number }>('Interface/CreateLoopback', { mac_address: '02:fe:00:00:77:01' });
    const [d] = await dump('Interface/SwInterfaceDump', { sw_if_index: made.sw_if_index });
    assert.equal(d?.l2_address, '02:fe:00:00:77:01');
    const name = String(d?.interface_name);
    assert.match(name, /^loop\d+$/);
    assert.match(cli('show', 'interface', name), new RegExp(`^\\s*${name}\\s+${made.sw_if_index}\\s`, 'm'));
    await call('Interface/DeleteLoopback', { sw_if_index: made.sw_if_index });
    assert.deepEqual(await dump('Interface/SwInterfaceDump', { sw_if_index: made.sw_if_index }), []);
    assert.doesNotMatch(cli('show', 'interface'), new RegExp(`^\\s*${name}\\s`, 'm'));
  });

  it('ip: an interface address', async () => {
    await call('Interface/SwInterfaceAddDelAddress', { sw_if_index: loop, is_add: true, prefix: '10.51.0.1/24' });
    const prefixes = async () =>
      (await dump('Ip/IpAddressDump', { sw_if_index: loop, is_ipv6: false })).map((d) => d.prefix);
    assert.deepEqual(await prefixes(), ['10.50.0.1/24', '10.51.0.1/24']);
    assert.match(cli('show', 'interface', 'address'), /L3 10\.51\.0\.1\/24/);
    await call('Interface/SwInterfaceAddDelAddress', { sw_if_index: loop, is_add: false, prefix: '10.51.0.1/24' });
    assert.deepEqual(await prefixes(), ['10.50.0.1/24']);
    assert.doesNotMatch(cli('show', 'interface', 'address'), /10\.51\.0\.1/);
  });

  it('ip: a route with two next hops', async () => {
    const path = (nh: string) => ({ sw_if_index: loop, weight: 1, nh: { address: { ip4: nh } } });
    const route = { table_id: 0, prefix: '192.168.50.0/24', paths: [path('10.50.0.2'), path('10.50.0.3')] };
    await call('Ip/IpRouteAddDel', { is_add: true, route });
    const find = async () =>
      (await dump('Ip/IpRouteDump', { table: { table_id: 0 } })).find(
        (d) => (d.route as Json).prefix === '192.168.50.0/24',
      )?.route as { paths: { nh: { address: { ip4: string } }; sw_if_index: number }[] } | undefined;
    const got = await find();
    assert.deepEqual(got?.paths.map((p) => [p.sw_if_index, p.nh.address.ip4]).sort(), [
      [loop, '10.50.0.2'],
      [loop, '10.50.0.3'],
    ]);
    assert.match(
      cli('show', 'ip', 'fib', '192.168.50.0/24'),
      /via 10\.50\.0\.2 loop\d+[\s\S]*via 10\.50\.0\.3 loop\d+/,
    );
    await call('Ip/IpRouteAddDel', { is_add: false, route });
    assert.equal(await find(), undefined);
    assert.doesNotMatch(cli('show', 'ip', 'fib'), /192\.168\.50\.0\/24/);
  });

  it('ip-neighbor: a static neighbour', async () => {
    const neighbor = {
      sw_if_index: loop,
      flags: ['IP_API_NEIGHBOR_FLAG_STATIC'],
      mac_address: '02:fe:00:00:88:01',
      ip_address: '10.50.0.9',
    };
    await call('IpNeighbor/IpNeighborAddDel', { is_add: true, neighbor });
    const find = async () =>
      (await dump('IpNeighbor/IpNeighborDump', { sw_if_index: ALL })).find(
        (d) => (d.neighbor as Json).ip_address === '10.50.0.9',
      )?.neighbor as Json | undefined;
    const got = await find();
    assert.equal(got?.mac_address, '02:fe:00:00:88:01');
    assert.equal(got?.sw_if_index, loop);
    assert.deepEqual(got?.flags, ['IP_API_NEIGHBOR_FLAG_STATIC']);
    assert.match(cli('show', 'ip', 'neighbor'), /10\.50\.0\.9\s+S\s+02:fe:00:00:88:01/);
    await call('IpNeighbor/IpNeighborAddDel', { is_add: false, neighbor });
    assert.equal(await find(), undefined);
    assert.doesNotMatch(cli('show', 'ip', 'neighbor'), /10\.50\.0\.9/);
  });

  it('l2: a bridge domain with a member', async () => {
    await call('L2/BridgeDomainAddDel', { bd_id: 12, flood: true, forward: true, learn: true, is_add: true });
    const member = (await call<{ sw_if_index: number }>('Interface/CreateLoopback', {})).sw_if_index;
    await call('L2/SwInterfaceSetL2Bridge', { rx_sw_if_index: member, bd_id: 12, enable: true });
    const [d] = await dump('L2/BridgeDomainDump', { bd_id: 12 });
    assert.equal(d?.bd_id, 12);
    assert.deepEqual(
      (d?.sw_if_details as { sw_if_index: number }[]).map((m) => m.sw_if_index),
      [member],
    );
    assert.match(cli('show', 'bridge-domain'), /^\s*12\s+\d+\s+0\s+/m);
    await call('L2/SwInterfaceSetL2Bridge', { rx_sw_if_index: member, bd_id: 12, enable: false });
    await call('Interface/DeleteLoopback', { sw_if_index: member });
    await call('L2/BridgeDomainAddDel', { bd_id: 12, is_add: false });
    assert.deepEqual(await dump('L2/BridgeDomainDump', { bd_id: 12 }), []);
    assert.doesNotMatch(cli('show', 'bridge-domain'), /^\s*12\s/m);
  });

  it('acl: an access list with two rules', async () => {
    const rule = (permit: boolean, src: string) => ({
      is_permit: permit ? 'ACL_ACTION_API_PERMIT' : 'ACL_ACTION_API_DENY',
      src_prefix: src,
      dst_prefix: '0.0.0.0/0',
      proto: 'IP_API_PROTO_TCP',
      srcport_or_icmptype_first: 0,
      srcport_or_icmptype_last: 65535,
      dstport_or_icmpcode_first: 80,
      dstport_or_icmpcode_last: 80,
    });
    const made = await call<{ acl_index: number }>('Acl/AclAddReplace', {
      acl_index: ALL,
      tag: 'e2e-acl',
      r: [rule(true, '10.1.0.0/16'), rule(false, '10.2.0.0/16')],
    });
    const find = async () => (await dump('Acl/AclDump', { acl_index: ALL })).find((d) => d.tag === 'e2e-acl');
    const got = await find();
    assert.equal(got?.acl_index, made.acl_index);
    assert.deepEqual(
      (got?.r as Json[]).map((r) => [r.is_permit, r.src_prefix, r.dstport_or_icmpcode_first]),
      [
        ['ACL_ACTION_API_PERMIT', '10.1.0.0/16', 80],
        ['ACL_ACTION_API_DENY', '10.2.0.0/16', 80],
      ],
    );
    assert.match(cli('show', 'acl-plugin', 'acl'), /acl-index \d+ count 2 tag \{e2e-acl\}/);
    await call('Acl/AclDel', { acl_index: made.acl_index });
    assert.equal(await find(), undefined);
    assert.doesNotMatch(cli('show', 'acl-plugin', 'acl'), /e2e-acl/);
  });

  it('vxlan: a tunnel', async () => {
    const made = await call<{ sw_if_index: number }>('Vxlan/VxlanAddDelTunnelV3', {
      is_add: true,
      src_address: '10.50.0.1',
      dst_address: '10.60.0.2',
      vni: 77,
      mcast_sw_if_index: ALL,
      decap_next_index: ALL,
    });
    const find = async () =>
      (await dump('Vxlan/VxlanTunnelV2Dump', { sw_if_index: ALL })).find((d) => d.sw_if_index === made.sw_if_index);
    const got = await find();
    assert.equal(got?.vni, 77);
    assert.equal(got?.dst_address, '10.60.0.2');
    assert.match(cli('show', 'vxlan', 'tunnel'), /src 10\.50\.0\.1 dst 10\.60\.0\.2 .*vni 77/);
    await call('Vxlan/VxlanAddDelTunnelV3', {
      is_add: false,
      src_address: '10.50.0.1',
      dst_address: '10.60.0.2',
      vni: 77,
      mcast_sw_if_index: ALL,
      decap_next_index: ALL,
    });
    assert.equal(await find(), undefined);
    assert.doesNotMatch(cli('show', 'vxlan', 'tunnel'), /vni 77/);
  });

  it('gre: a tunnel', async () => {
    const tunnel = { src: '10.50.0.1', dst: '10.80.0.2', instance: ALL, outer_table_id: 0 };
    const made = await call<{ sw_if_index: number }>('Gre/GreTunnelAddDel', { is_add: true, tunnel });
    const find = async () =>
      (await dump('Gre/GreTunnelDump', { sw_if_index: ALL })).find(
        (d) => (d.tunnel as Json).sw_if_index === made.sw_if_index,
      )?.tunnel as Json | undefined;
    assert.equal((await find())?.dst, '10.80.0.2');
    assert.match(cli('show', 'gre', 'tunnel'), /src 10\.50\.0\.1 dst 10\.80\.0\.2/);
    await call('Gre/GreTunnelAddDel', { is_add: false, tunnel });
    assert.equal(await find(), undefined);
    assert.doesNotMatch(cli('show', 'gre', 'tunnel'), /10\.80\.0\.2/);
  });

  it('ipip: a tunnel', async () => {
    const made = await call<{ sw_if_index: number }>('Ipip/IpipAddTunnel', {
      tunnel: { instance: ALL, src: '10.50.0.1', dst: '10.70.0.2', table_id: 0 },
    });
    const find = async () =>
      (await dump('Ipip/IpipTunnelDump', { sw_if_index: ALL })).find(
        (d) => (d.tunnel as Json).sw_if_index === made.sw_if_index,
      )?.tunnel as Json | undefined;
    assert.equal((await find())?.dst, '10.70.0.2');
    assert.match(cli('show', 'ipip', 'tunnel'), /src 10\.50\.0\.1 dst 10\.70\.0\.2/);
    await call('Ipip/IpipDelTunnel', { sw_if_index: made.sw_if_index });
    assert.equal(await find(), undefined);
    assert.doesNotMatch(cli('show', 'ipip', 'tunnel'), /10\.70\.0\.2/);
  });

  it('memif: an interface on a socket of its own', async () => {
    const socket = `${vpp.dir}/memif-e2e.sock`;
    await call('Memif/MemifSocketFilenameAddDelV2', { is_add: true, socket_id: 5, socket_filename: socket });
    const made = await call<{ sw_if_index: number }>('Memif/MemifCreateV2', { id: 7, socket_id: 5 });
    const find = async () => (await dump('Memif/MemifDump', {})).find((d) => d.sw_if_index === made.sw_if_index);
    const got = await find();
    assert.equal(got?.id, 7);
    assert.equal(got?.socket_id, 5);
    const shown = cli('show', 'memif');
    assert.match(shown, new RegExp(`^\\s*5\\s+yes \\(1\\)\\s+${socket.replace(/[.]/g, '\\.')}\\s*$`, 'm'));
    assert.match(shown, /^interface memif5\/7\s*\n\s*socket-id 5 id 7 mode ethernet/m);
    await call('Memif/MemifDelete', { sw_if_index: made.sw_if_index });
    assert.equal(await find(), undefined);
    await call('Memif/MemifSocketFilenameAddDelV2', { is_add: false, socket_id: 5 });
    assert.doesNotMatch(cli('show', 'memif'), /memif-e2e\.sock/);
  });

  it('policer: a two-rate policer', async () => {
    const made = await call<{ policer_index: number }>('Policer/PolicerAdd', {
      name: 'e2e-pol',
      // a two-rate, three-colour policer (RFC 2698): transmit while green or yellow, drop when red
      infos: {
        type: 'SSE2_QOS_POLICER_TYPE_API_2R3C_RFC_2698',
        cir: 1000,
        eir: 2000,
        cb: 10000,
        eb: 20000,
        conform_action: { type: 'SSE2_QOS_ACTION_API_TRANSMIT' },
        exceed_action: { type: 'SSE2_QOS_ACTION_API_TRANSMIT' },
      },
    });
    const byName = () => dump('Policer/PolicerDump', { match_name_valid: true, match_name: 'e2e-pol' });
    const [got] = await byName();
    assert.equal(got?.name, 'e2e-pol');
    assert.equal(got?.cir, 1000);
    assert.equal(got?.eir, 2000);
    assert.match(cli('show', 'policer'), /Name "e2e-pol"/);
    await call('Policer/PolicerDel', { policer_index: made.policer_index });
    assert.deepEqual(await byName(), []);
    assert.doesNotMatch(cli('show', 'policer'), /e2e-pol/);
  });

  it('interface: a VLAN sub-interface', async () => {
    const made = await call<{ sw_if_index: number }>('Interface/CreateVlanSubif', { sw_if_index: loop, vlan_id: 100 });
    const [d] = await dump('Interface/SwInterfaceDump', { sw_if_index: made.sw_if_index });
    assert.equal(d?.sub_id, 100);
    assert.equal(d?.sup_sw_if_index, loop);
    assert.equal(d?.sub_outer_vlan_id, 100);
    const name = String(d?.interface_name);
    assert.match(name, /^loop\d+\.100$/);
    assert.match(cli('show', 'interface'), new RegExp(`^${name.replace('.', '\\.')}\\s+${made.sw_if_index}\\s`, 'm'));
    await call('Interface/DeleteSubif', { sw_if_index: made.sw_if_index });
    assert.deepEqual(await dump('Interface/SwInterfaceDump', { sw_if_index: made.sw_if_index }), []);
    assert.doesNotMatch(cli('show', 'interface'), new RegExp(`^${name.replace('.', '\\.')}\\s`, 'm'));
  });

  it('ip: a table', async () => {
    await call('Ip/IpTableAddDel', { is_add: true, table: { table_id: 77, is_ip6: false, name: 'e2e-blue' } });
    const find = async () =>
      (await dump('Ip/IpTableDump', {})).find((d) => (d.table as Json).table_id === 77)?.table as Json | undefined;
    assert.equal((await find())?.name, 'e2e-blue');
    assert.match(cli('show', 'ip', 'fib', 'table', '77'), /e2e-blue/);
    await call('Ip/IpTableAddDel', { is_add: false, table: { table_id: 77, is_ip6: false } });
    assert.equal(await find(), undefined);
    assert.doesNotMatch(cli('show', 'ip', 'fib', 'summary'), /e2e-blue/);
  });

  it('wireguard: an interface with a generated key', async () => {
    const made = await call<{ sw_if_index: number }>('Wireguard/WireguardInterfaceCreate', {
      interface: { user_instance: ALL, port: 51820, src_ip: '10.50.0.1', sw_if_index: ALL },
      generate_key: true,
    });
    const find = async () =>
      (await dump('Wireguard/WireguardInterfaceDump', { show_private_key: false, sw_if_index: ALL })).find(
        (d) => (d.interface as Json).sw_if_index === made.sw_if_index,
      )?.interface as Json | undefined;
    const got = await find();
    assert.equal(got?.port, 51820);
    assert.equal(got?.src_ip, '10.50.0.1');
    const publicKey = Buffer.from(String(got?.public_key), 'base64');
    assert.equal(publicKey.length, 32);
    assert.match(cli('show', 'wireguard', 'interface'), new RegExp(`src:10\\.50\\.0\\.1 port:51820`));
    await call('Wireguard/WireguardInterfaceDelete', { sw_if_index: made.sw_if_index });
    assert.equal(await find(), undefined);
    assert.doesNotMatch(cli('show', 'wireguard', 'interface'), /port:51820/);
  });
});
