/** The requests the simulator implements, over the socket, with VPP's answers to mistakes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { frame } from '../codec/framing.ts';
import type { Value } from '../codec/types.ts';
import { RawVpp } from '../../test/support/raw-vpp.ts';
import { loadApi, simulatorPool, until } from '../../test/support/sim-harness.ts';
import { NONE, RV } from './retval.ts';

const { codec, errors } = loadApi();
const { fresh } = simulatorPool();

const retval = async (vpp: RawVpp, name: string, value?: Value): Promise<number> =>
  (await vpp.call(name, value)).value.retval as number;

const path = (nh: string, sw: number): Value => ({ sw_if_index: sw, proto: 0, nh: { address: { ip4: nh } } });
const route = (prefix: string, paths: Value[], tableId = 0): Value => ({ table_id: tableId, prefix, paths });
const names = (details: Value[]): string[] => details.map((d) => String(d.interface_name));

describe('simulated requests', () => {
  it('use the retvals of VPP’s error table', () => {
    for (const [symbol, value] of Object.entries(RV))
      if (value !== 0) assert.equal(errors.retvalOf(symbol), value, symbol);
  });

  it('show_version, control_ping and show_vpe_system_time', async () => {
    const { sim, vpp } = await fresh({ vpePid: 4242, system: { version: '26.06-rc1' } });
    const v = await vpp.call('show_version');
    assert.deepEqual(v, {
      name: 'show_version_reply',
      value: {
        retval: 0,
        program: 'vpe',
        version: '26.06-rc1',
        build_date: '2026-06-24T10:00:00',
        build_directory: '',
      },
    });
    assert.deepEqual((await vpp.call('control_ping')).value, { retval: 0, vpe_pid: 4242 });
    assert.equal(sim.vpePid, 4242);
    const before = Date.now() / 1000;
    const t = (await vpp.call('show_vpe_system_time')).value.vpe_system_time as number;
    assert.ok(t >= before - 1 && t <= Date.now() / 1000 + 1, `${t} is now`);
  });

  it('sw_interface_dump: all, one index (0 meaning all), an unknown index, a case-insensitive name filter', async () => {
    const { vpp } = await fresh({ interfaces: 3 });
    assert.deepEqual(names((await vpp.dump('sw_interface_dump', {})).details), ['local0', 'loop0', 'loop1', 'loop2']);
    assert.deepEqual(names((await vpp.dump('sw_interface_dump', { sw_if_index: 2 })).details), ['loop1']);
    assert.equal((await vpp.dump('sw_interface_dump', { sw_if_index: 0 })).details.length, 4);
    const none = await vpp.dump('sw_interface_dump', { sw_if_index: 99 });
    assert.deepEqual(none, { details: [], ping: { retval: 0, vpe_pid: none.ping.vpe_pid } });
    const filtered = await vpp.dump('sw_interface_dump', {
      name_filter_valid: true,
      name_filter: 'LOOP',
      sw_if_index: 1,
    });
    assert.deepEqual(names(filtered.details), ['loop0', 'loop1', 'loop2']);
  });

  it('create_loopback(_instance) and delete_loopback, with their errors', async () => {
    const { vpp } = await fresh();
    assert.deepEqual((await vpp.call('create_loopback', { mac_address: '02:00:00:00:00:01' })).value, {
      retval: 0,
      sw_if_index: 1,
    });
    const inst = await vpp.call('create_loopback_instance', { is_specified: true, user_instance: 7 });
    assert.deepEqual(inst.value, { retval: 0, sw_if_index: 2 });
    assert.deepEqual((await vpp.call('create_loopback_instance', { is_specified: true, user_instance: 7 })).value, {
      retval: RV.INVALID_REGISTRATION,
      sw_if_index: NONE,
    });
    const [, lo0, lo7] = (await vpp.dump('sw_interface_dump', {})).details;
    assert.deepEqual([lo0!.interface_name, lo0!.l2_address], ['loop0', '02:00:00:00:00:01']);
    assert.deepEqual(
      [lo7!.interface_name, lo7!.l2_address, lo7!.interface_dev_type],
      ['loop7', 'de:ad:00:00:00:07', 'Loopback'],
    );
    assert.equal(await retval(vpp, 'delete_loopback', { sw_if_index: 0 }), RV.INVALID_SW_IF_INDEX, 'local0 stays');
    assert.equal(await retval(vpp, 'delete_loopback', { sw_if_index: 9 }), RV.INVALID_SW_IF_INDEX);
    assert.equal(await retval(vpp, 'delete_loopback', { sw_if_index: 1 }), 0);
    assert.deepEqual(names((await vpp.dump('sw_interface_dump', {})).details), ['local0', 'loop7']);
  });

  it('sw_interface_set_flags: admin up brings the link up, every subscriber gets the event', async () => {
    const { sim, vpp } = await fresh({ interfaces: 1 });
    const other = await RawVpp.register(sim.socketPath, codec, 'other');
    assert.equal(await retval(vpp, 'want_interface_events', { enable_disable: 1, pid: 11 }), 0);
    assert.equal((await other.call('want_interface_events', { enable_disable: 1, pid: 22 })).value.retval, 0);
    assert.equal(
      await retval(vpp, 'sw_interface_set_flags', { sw_if_index: 9999, flags: [1] }),
      RV.INVALID_SW_IF_INDEX,
    );
    assert.equal(await retval(vpp, 'sw_interface_set_flags', { sw_if_index: 1, flags: [1] }), 0);
    const event = { name: 'sw_interface_event', value: { sw_if_index: 1, flags: [1, 2], deleted: false } };
    const mine = await vpp.nextMessage();
    assert.deepEqual({ name: mine.name, value: mine.msg.value }, { ...event, value: { pid: 11, ...event.value } });
    assert.equal(mine.msg.context, undefined);
    assert.equal(mine.msg.clientIndex, vpp.clientIndex);
    const theirs = await other.nextMessage();
    assert.deepEqual(theirs.msg.value, { pid: 22, ...event.value });
    const [, lo] = (await vpp.dump('sw_interface_dump', {})).details;
    assert.deepEqual(lo!.flags, [1, 2]);
    other.close();
  });

  it('want_interface_events: enabling twice or disabling when off is INVALID_REGISTRATION; a client that leaves is unsubscribed', async () => {
    const { sim, vpp } = await fresh();
    assert.equal(await retval(vpp, 'want_interface_events', { enable_disable: 0, pid: 1 }), RV.INVALID_REGISTRATION);
    assert.equal(await retval(vpp, 'want_interface_events', { enable_disable: 1, pid: 1 }), 0);
    assert.equal(await retval(vpp, 'want_interface_events', { enable_disable: 1, pid: 1 }), RV.INVALID_REGISTRATION);
    assert.deepEqual([...sim.state.interfaceEventClients], [[vpp.clientIndex, 1]]);
    vpp.close();
    await until(sim, ['disconnect'], () => sim.clients.length === 0);
    assert.equal(sim.state.interfaceEventClients.size, 0);
  });

  it('loopback creation and deletion are events too', async () => {
    const { vpp } = await fresh();
    await vpp.call('want_interface_events', { enable_disable: 1, pid: 5 });
    await vpp.call('create_loopback', {});
    assert.deepEqual((await vpp.nextMessage()).msg.value, { pid: 5, sw_if_index: 1, flags: [], deleted: false });
    await vpp.call('sw_interface_set_flags', { sw_if_index: 1, flags: [1] });
    await vpp.nextMessage();
    await vpp.call('delete_loopback', { sw_if_index: 1 });
    assert.deepEqual((await vpp.nextMessage()).msg.value, { pid: 5, sw_if_index: 1, flags: [], deleted: true });
  });

  it('sw_interface_add_del_address, del_all and ip_address_dump', async () => {
    const { vpp } = await fresh({ interfaces: 2 });
    const add = (sw: number, prefix: string, is_add = true): Promise<number> =>
      retval(vpp, 'sw_interface_add_del_address', { sw_if_index: sw, is_add, prefix });
    assert.equal(await add(1, '10.0.0.1/24'), 0);
    assert.equal(await add(1, '2001:db8::1/64'), 0);
    assert.equal(await add(2, '10.0.0.2/24'), RV.ADDRESS_IN_USE);
    assert.equal(await add(7, '10.9.0.1/24'), RV.INVALID_SW_IF_INDEX);
    assert.equal(await add(1, '10.0.0.5/24', false), RV.ADDRESS_NOT_FOUND_FOR_INTERFACE);
    assert.equal(await add(0, '10.1.0.1/24'), 0, 'VPP refuses local0 with retval 0 and no change');
    const v4 = await vpp.dump('ip_address_dump', { sw_if_index: 1, is_ipv6: false });
    assert.deepEqual(v4.details, [{ sw_if_index: 1, prefix: '10.0.0.1/24' }]);
    assert.deepEqual((await vpp.dump('ip_address_dump', { sw_if_index: 1, is_ipv6: true })).details, [
      { sw_if_index: 1, prefix: '2001:db8::1/64' },
    ]);
    assert.deepEqual((await vpp.dump('ip_address_dump', { sw_if_index: 0, is_ipv6: false })).details, []);
    assert.equal(await retval(vpp, 'sw_interface_add_del_address', { sw_if_index: 1, del_all: true }), 0);
    assert.deepEqual((await vpp.dump('ip_address_dump', { sw_if_index: 1, is_ipv6: true })).details, []);
  });

  it('ip_table_add_del, ip_table_dump, sw_interface_set_table and get_table', async () => {
    const { vpp } = await fresh({ interfaces: 1 });
    assert.equal(await retval(vpp, 'sw_interface_set_table', { sw_if_index: 1, vrf_id: 10 }), RV.NO_SUCH_FIB);
    assert.equal(await retval(vpp, 'ip_table_add_del', { is_add: true, table: { table_id: 10, name: 'red' } }), 0);
    assert.equal(await retval(vpp, 'ip_table_add_del', { is_add: true, table: { table_id: 10, is_ip6: true } }), 0);
    assert.deepEqual((await vpp.dump('ip_table_dump')).details, [
      { table: { table_id: 0, is_ip6: false, name: 'ipv4-VRF:0' } },
      { table: { table_id: 10, is_ip6: false, name: 'red' } },
      { table: { table_id: 0, is_ip6: true, name: 'ipv6-VRF:0' } },
      { table: { table_id: 10, is_ip6: true, name: 'ipv6-VRF:10' } },
    ]);
    assert.equal(await retval(vpp, 'sw_interface_set_table', { sw_if_index: 9, vrf_id: 10 }), RV.INVALID_SW_IF_INDEX);
    assert.equal(await retval(vpp, 'sw_interface_set_table', { sw_if_index: 1, vrf_id: 10 }), 0);
    assert.deepEqual((await vpp.call('sw_interface_get_table', { sw_if_index: 1 })).value, { retval: 0, vrf_id: 10 });
    await vpp.call('sw_interface_add_del_address', { sw_if_index: 1, is_add: true, prefix: '10.0.0.1/24' });
    assert.equal(
      await retval(vpp, 'sw_interface_set_table', { sw_if_index: 1, vrf_id: 0 }),
      RV.ADDRESS_FOUND_FOR_INTERFACE,
    );
    assert.equal(
      await retval(vpp, 'ip_table_add_del', { is_add: false, table: { table_id: 77 } }),
      0,
      'unknown: ignored',
    );
  });

  it('ip_route_add_del(_v2) and ip_route_dump: replace, multipath, delete, and the errors', async () => {
    const { vpp } = await fresh({ interfaces: 1 });
    const add = (r: Value, extra: Value = {}): Promise<Value> =>
      vpp.call('ip_route_add_del', { is_add: true, route: r, ...extra }).then((x) => x.value);
    assert.deepEqual(await add(route('192.168.1.0/24', [path('10.0.0.1', 1)])), { retval: 0, stats_index: 8 });
    assert.deepEqual(await add(route('192.168.1.0/24', [path('10.0.0.2', 1)]), { is_multipath: true }), {
      retval: 0,
      stats_index: 8,
    });
    assert.deepEqual(await add(route('192.168.9.0/24', [path('10.0.0.1', 1)], 5)), {
      retval: RV.NO_SUCH_FIB,
      stats_index: NONE,
    });
    assert.deepEqual(await add(route('192.168.9.0/24', [])), { retval: RV.NO_PATHS_IN_ROUTE, stats_index: NONE });
    assert.deepEqual(await add(route('192.168.9.0/24', [path('10.0.0.1', 50)])), {
      retval: RV.NO_MATCHING_INTERFACE,
      stats_index: NONE,
    });
    assert.deepEqual(await add(route('192.168.9.0/24', [{ ...path('10.0.0.1', NONE), table_id: 3 }])), {
      retval: RV.NO_SUCH_FIB,
      stats_index: NONE,
    });
    const v2 = await vpp.call('ip_route_add_del_v2', {
      is_add: true,
      route: route('2001:db8:1::/48', [{ sw_if_index: 1, proto: 1, nh: { address: { ip6: 'fe80::1' } } }]),
    });
    assert.deepEqual(v2.value, { retval: 0, stats_index: 9 });

    const dump = await vpp.dump('ip_route_dump', { table: { table_id: 0 } });
    const r = dump.details.find((d) => (d.route as Value).prefix === '192.168.1.0/24')!.route as Value;
    assert.equal(r.stats_index, 8);
    const paths = r.paths as Value[];
    assert.deepEqual(
      paths.map((p) => [p.sw_if_index, ((p.nh as Value).address as Value).ip4, p.weight, p.type, p.proto]),
      [
        [1, '10.0.0.1', 1, 0, 0],
        [1, '10.0.0.2', 1, 0, 0],
      ],
    );
    assert.deepEqual(
      (await vpp.dump('ip_route_dump', { table: { table_id: 0, is_ip6: true } })).details.map(
        (d) => (d.route as Value).prefix,
      ),
      ['::/0', 'fe80::/10', '2001:db8:1::/48'],
    );
    const v2dump = await vpp.dump('ip_route_v2_dump', { src: 8, table: { table_id: 0 } });
    assert.deepEqual(
      v2dump.details.map((d) => [(d.route as Value).prefix, (d.route as Value).src]),
      [['192.168.1.0/24', 8]],
    );
    assert.deepEqual((await vpp.dump('ip_route_dump', { table: { table_id: 99 } })).details, [], 'no such table');

    const del = (r: Value, extra: Value = {}): Promise<Value> =>
      vpp.call('ip_route_add_del', { is_add: false, route: r, ...extra }).then((x) => x.value);
    assert.deepEqual(await del(route('192.168.1.0/24', [path('10.0.0.1', 1)]), { is_multipath: true }), {
      retval: 0,
      stats_index: NONE,
    });
    assert.deepEqual(await del(route('192.168.1.0/24', [])), { retval: 0, stats_index: NONE });
    assert.deepEqual(
      await del(route('172.16.0.0/12', [])),
      { retval: 0, stats_index: NONE },
      'VPP accepts deleting what is not there',
    );
    assert.deepEqual(await del(route('172.16.0.0/12', []), { is_multipath: true }), {
      retval: RV.NO_PATHS_IN_ROUTE,
      stats_index: NONE,
    });
    assert.ok(
      !(await vpp.dump('ip_route_dump', { table: { table_id: 0 } })).details.some(
        (d) => (d.route as Value).prefix === '192.168.1.0/24',
      ),
    );
  });

  it('sw_interface_set_mtu, set_mac_address, tag_add_del, cli_inband', async () => {
    const { vpp } = await fresh({ interfaces: 1 });
    assert.equal(await retval(vpp, 'sw_interface_set_mtu', { sw_if_index: 1, mtu: [1500, 0, 0, 0] }), 0);
    assert.equal(
      await retval(vpp, 'sw_interface_set_mtu', { sw_if_index: 5, mtu: [1500, 0, 0, 0] }),
      RV.INVALID_SW_IF_INDEX,
    );
    assert.equal(
      await retval(vpp, 'sw_interface_set_mac_address', { sw_if_index: 1, mac_address: '02:aa:bb:cc:dd:ee' }),
      0,
    );
    assert.equal(
      await retval(vpp, 'sw_interface_set_mac_address', { sw_if_index: 0, mac_address: '02:aa:bb:cc:dd:ee' }),
      RV.UNIMPLEMENTED,
    );
    assert.equal(
      await retval(vpp, 'sw_interface_tag_add_del', { is_add: true, sw_if_index: 1, tag: '' }),
      RV.INVALID_VALUE,
    );
    assert.equal(await retval(vpp, 'sw_interface_tag_add_del', { is_add: true, sw_if_index: 1, tag: 'uplink' }), 0);
    const [, lo] = (await vpp.dump('sw_interface_dump', {})).details;
    assert.deepEqual([lo!.mtu, lo!.l2_address, lo!.tag], [[1500, 0, 0, 0], '02:aa:bb:cc:dd:ee', 'uplink']);
    assert.deepEqual((await vpp.call('sw_interface_get_mac_address', { sw_if_index: 1 })).value, {
      retval: 0,
      mac_address: '02:aa:bb:cc:dd:ee',
    });
    const cli = await vpp.call('cli_inband', { cmd: 'show interface' });
    assert.equal(cli.value.retval, 0);
    assert.match(String(cli.value.reply), /^loop0 +1 +down +1500\/0\/0\/0 +$/m);
    assert.deepEqual((await vpp.call('cli_inband', { cmd: 'nonsense' })).value, {
      retval: -1,
      reply: "unknown input `nonsense'\n",
    });
  });

  it('answer everything else with UNIMPLEMENTED: replies, dumps (through their ping), cursor streams', async () => {
    const { vpp } = await fresh();
    assert.deepEqual((await vpp.call('l2fib_add_del', { bd_id: 1, is_add: true })).value, {
      retval: RV.UNIMPLEMENTED,
    });
    const dump = await vpp.dump('macip_acl_dump', { acl_index: NONE });
    assert.deepEqual(dump.details, []);
    assert.equal(dump.ping.retval, RV.UNIMPLEMENTED);
    assert.equal((await vpp.dump('sw_interface_dump', {}, 10)).ping.retval, 0, 'only that dump’s ping fails');
    const cursor = await vpp.call('ip_path_mtu_get', { cursor: 0 });
    assert.deepEqual(cursor, { name: 'ip_path_mtu_get_reply', value: { retval: RV.UNIMPLEMENTED, cursor: 0 } });
    const events = await vpp.call('want_ip_neighbor_events', { enable: true });
    assert.deepEqual(events, { name: 'want_ip_neighbor_events_reply', value: { retval: RV.UNIMPLEMENTED } });
  });

  it('refuse requests whose reply cannot carry -9 with a control_ping_reply in their context', async () => {
    const { vpp } = await fresh();
    for (const [name, context] of [
      ['abf_plugin_get_version', 1],
      ['get_f64_endian_value', 2],
    ] as const) {
      vpp.send(name, undefined, context);
      const answer = await vpp.nextMessage();
      assert.deepEqual(
        [answer.name, answer.msg.context, answer.msg.value.retval],
        ['control_ping_reply', context, RV.UNIMPLEMENTED],
        name,
      );
    }
  });

  it('send nothing for requests without a reply, and keepalives from clients', async () => {
    const { vpp } = await fresh();
    vpp.send('rx_thread_exit', undefined, 1);
    vpp.send('memclnt_keepalive', undefined, 2);
    vpp.send('control_ping', undefined, 3);
    const next = await vpp.nextMessage();
    assert.deepEqual([next.name, next.msg.context], ['control_ping_reply', 3]);
  });

  it('sockclnt_delete: response 1 and the socket closes; another index gets -1', async () => {
    const { sim, vpp } = await fresh();
    assert.deepEqual(await vpp.call('sockclnt_delete', { index: 0x80000099 }), {
      name: 'sockclnt_delete_reply',
      value: { response: -1 },
    });
    assert.deepEqual(await vpp.call('sockclnt_delete', { index: vpp.clientIndex }), {
      name: 'sockclnt_delete_reply',
      value: { response: 1 },
    });
    await vpp.closed;
    await until(sim, ['disconnect'], () => sim.clients.length === 0);
    assert.equal(sim.received('sockclnt_delete'), 2);
  });

  it('keep going when a reply cannot be sent (a table without show_version_reply)', async () => {
    const { vpp } = await fresh({ messageTable: { omit: ['show_version_reply'] } });
    vpp.send('show_version', undefined, 1);
    vpp.send('control_ping', undefined, 2);
    const next = await vpp.nextMessage();
    assert.deepEqual([next.name, next.msg.context], ['control_ping_reply', 2]);
  });

  it('reassemble requests split anywhere and packed together', async () => {
    const { vpp } = await fresh();
    const bytes = Buffer.concat([
      frame(vpp.encode('show_version', undefined, 1)),
      frame(vpp.encode('control_ping', undefined, 2)),
      frame(vpp.encode('cli_inband', { cmd: 'show version' }, 3)),
    ]);
    for (let at = 0; at < bytes.length; at += 3) {
      vpp.sendBytes(bytes.subarray(at, at + 3));
      await new Promise((r) => setImmediate(r));
    }
    const answers = [await vpp.nextMessage(), await vpp.nextMessage(), await vpp.nextMessage()];
    assert.deepEqual(
      answers.map((a) => [a.name, a.msg.context]),
      [
        ['show_version_reply', 1],
        ['control_ping_reply', 2],
        ['cli_inband_reply', 3],
      ],
    );
  });

  it('give each of many clients its own index, and reuse freed ones', async () => {
    const { sim, vpp } = await fresh();
    const more = await Promise.all([1, 2, 3].map(() => RawVpp.register(sim.socketPath, codec)));
    assert.deepEqual(
      [vpp, ...more].map((c) => c.clientIndex),
      [0x80000001, 0x80000002, 0x80000003, 0x80000004],
    );
    more[0]!.close();
    await until(sim, ['disconnect'], () => sim.clients.length === 3);
    const again = await RawVpp.register(sim.socketPath, codec);
    assert.equal(again.clientIndex, 0x80000002);
    // a request with another client's index is dropped
    vpp.send('show_version', undefined, 1, again.clientIndex);
    vpp.send('control_ping', undefined, 2);
    assert.equal((await vpp.nextMessage()).name, 'control_ping_reply');
    for (const c of [...more, again]) c.close();
  });
});
