/**
 * A restarted simulator is a VPP that just started: whatever was configured
 * is gone (only local0 and the --interfaces loopbacks remain) and its stats
 * segment has a new /sys/boottime. Both for an in-process restart() and for a
 * process killed and started again.
 */
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Child } from '../../lib/child.ts';
import { RawVpp } from '../../test/support/raw-vpp.ts';
import { loadApi, simulatorPool, tempSocket } from '../../test/support/sim-harness.ts';
import { startSim } from '../../test/support/stack.ts';
import type { Value } from '../codec/types.ts';
import { SegmentReader } from '../stats/reader.ts';
import { NONE } from './retval.ts';
import { VppSimulator } from './simulator.ts';

const { codec } = loadApi();
const { track } = simulatorPool();
const children: Child[] = [];
after(() => Promise.all(children.map((c) => c.kill())));

/** One of each thing a node's configuration holds, on loopbacks 1 and 2. */
async function configure(vpp: RawVpp): Promise<void> {
  const requests: [string, Value][] = [
    ['create_loopback', {}],
    ['sw_interface_set_flags', { sw_if_index: 1, flags: [1] }],
    ['sw_interface_add_del_address', { sw_if_index: 1, is_add: true, prefix: '10.0.0.1/24' }],
    ['ip_table_add_del', { is_add: true, table: { table_id: 10, is_ip6: false } }],
    ['sw_interface_set_table', { sw_if_index: 2, is_ipv6: false, vrf_id: 10 }],
    [
      'ip_route_add_del',
      {
        is_add: true,
        route: {
          table_id: 10,
          prefix: '10.10.0.0/16',
          paths: [{ sw_if_index: NONE, nh: { address: { ip4: '10.0.0.2' } } }],
        },
      },
    ],
    ['acl_add_replace', { acl_index: NONE, tag: 'a', r: [] }],
    ['acl_interface_set_acl_list', { sw_if_index: 1, n_input: 1, acls: [0] }],
    ['bridge_domain_add_del', { bd_id: 1, is_add: true }],
    ['sw_interface_set_l2_bridge', { rx_sw_if_index: 2, bd_id: 1, enable: true }],
    ['ipip_add_tunnel', { tunnel: { instance: NONE, src: '10.0.0.1', dst: '10.0.0.9', table_id: 0 } }],
    [
      'ip_neighbor_add_del',
      {
        is_add: true,
        neighbor: { sw_if_index: 1, flags: [1], mac_address: '02:00:00:00:00:09', ip_address: '10.0.0.9' },
      },
    ],
  ];
  for (const [name, value] of requests) assert.equal((await vpp.call(name, value)).value.retval, 0, name);
}

/** Every dump of what configure() sets. */
async function snapshot(vpp: RawVpp): Promise<Record<string, Value[]>> {
  const dumps: [string, Value][] = [
    ['sw_interface_dump', {}],
    ['ip_table_dump', {}],
    ['ip_route_dump', { table: { table_id: 0, is_ip6: false } }],
    ['ip_address_dump', { sw_if_index: 1, is_ipv6: false }],
    ['acl_dump', { acl_index: NONE }],
    ['acl_interface_list_dump', { sw_if_index: NONE }],
    ['bridge_domain_dump', {}],
    ['ipip_tunnel_dump', {}],
    ['ip_neighbor_dump', { sw_if_index: NONE, af: 0 }],
  ];
  const out: Record<string, Value[]> = {};
  for (const [name, value] of dumps) out[name] = (await vpp.dump(name, value)).details;
  return out;
}

async function bootTime(statsSocket: string): Promise<number> {
  const reader = new SegmentReader({ socketPath: statsSocket });
  try {
    await reader.connect();
    const [entry] = await reader.dump(['^/sys/boottime$']);
    if (entry?.value.type !== 'scalar') throw new Error(`no /sys/boottime scalar: ${JSON.stringify(entry)}`);
    return entry.value.value;
  } finally {
    reader.close();
  }
}

describe('a restarted simulator', () => {
  it('restart(): only local0 and the --interfaces loopbacks, and a new boot time', async () => {
    const socketPath = tempSocket();
    const statsSocket = join(dirname(socketPath), 'stats.sock');
    const sim = track(new VppSimulator({ ...loadApi(), socketPath, statsSocket, interfaces: 1 }));
    await sim.start();
    let vpp = await RawVpp.register(socketPath, codec);
    const fresh = await snapshot(vpp);
    assert.deepEqual(
      fresh.sw_interface_dump!.map((d) => d.interface_name),
      ['local0', 'loop0'],
    );
    const booted = await bootTime(statsSocket);
    await configure(vpp);
    assert.notDeepEqual(await snapshot(vpp), fresh);
    await sim.restart();
    await vpp.closed;
    vpp = await RawVpp.register(socketPath, codec);
    assert.deepEqual(await snapshot(vpp), fresh);
    const rebooted = await bootTime(statsSocket);
    assert.ok(rebooted > booted, `boot time ${rebooted} after ${booted}`);
    vpp.close();
  });

  it('killed and started again: only local0 and the --interfaces loopbacks, and a new boot time', async () => {
    const socket = tempSocket();
    const statsSocket = join(dirname(socket), 'stats.sock');
    const first = await startSim(socket, ['--interfaces', '1', '--control', 'off']);
    children.push(first);
    let vpp = await RawVpp.register(socket, codec);
    const fresh = await snapshot(vpp);
    const booted = await bootTime(statsSocket);
    await configure(vpp);
    assert.notDeepEqual(await snapshot(vpp), fresh);
    await first.kill();
    await vpp.closed;
    const second = await startSim(socket, ['--interfaces', '1', '--control', 'off']);
    children.push(second);
    vpp = await RawVpp.register(socket, codec);
    assert.deepEqual(await snapshot(vpp), fresh);
    const rebooted = await bootTime(statsSocket);
    assert.ok(rebooted > booted, `boot time ${rebooted} after ${booted}`);
    vpp.close();
  });
});
