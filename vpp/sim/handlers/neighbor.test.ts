/** IP neighbour requests over the socket, as VPP 26.06 answers them. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Value } from '../../codec/types.ts';
import { simulatorPool } from '../../../test/support/sim-harness.ts';
import { NONE, RV } from '../retval.ts';

const { fresh } = simulatorPool();

const neighbor = (ip_address: string, flags: number[], mac_address = '02:00:00:00:00:01'): Value => ({
  sw_if_index: 1,
  flags,
  mac_address,
  ip_address,
});

describe('IP neighbour requests', () => {
  it('ip_neighbor_add_del and ip_neighbor_dump by family and interface, with an age', async () => {
    const { vpp } = await fresh({ interfaces: 1 });
    const add = (n: Value) => vpp.call('ip_neighbor_add_del', { is_add: true, neighbor: n }).then((m) => m.value);
    assert.deepEqual(await add(neighbor('10.1.0.5', [1])), { retval: 0, stats_index: 0 });
    assert.deepEqual(await add(neighbor('10.1.0.8', [1, 2])), { retval: 0, stats_index: NONE });
    assert.deepEqual(await add(neighbor('2001:db8::5', [1])), { retval: 0, stats_index: 1 });
    assert.deepEqual(await add({ ...neighbor('10.1.0.9', [1]), sw_if_index: 9 }), {
      retval: RV.INVALID_SW_IF_INDEX,
      stats_index: NONE,
    });
    const ip4 = (await vpp.dump('ip_neighbor_dump', { sw_if_index: NONE, af: 0 })).details;
    assert.deepEqual(
      ip4.map((d) => d.neighbor),
      [neighbor('10.1.0.5', [1]), neighbor('10.1.0.8', [1, 2])],
    );
    for (const d of ip4) assert.ok(typeof d.age === 'number' && d.age >= 0 && d.age < 60, `age ${String(d.age)}`);
    assert.deepEqual(
      (await vpp.dump('ip_neighbor_dump', { sw_if_index: 1, af: 1 })).details.map((d) => d.neighbor),
      [neighbor('2001:db8::5', [1])],
    );
    assert.deepEqual((await vpp.dump('ip_neighbor_dump', { sw_if_index: NONE, af: 5 })).details, []);
    const del = (ip: string) =>
      vpp.call('ip_neighbor_add_del', { is_add: false, neighbor: neighbor(ip, []) }).then((m) => m.value);
    assert.deepEqual(await del('10.1.0.99'), { retval: RV.NO_SUCH_ENTRY, stats_index: NONE });
    assert.deepEqual(await del('10.1.0.5'), { retval: 0, stats_index: NONE });
    const routes = (await vpp.dump('ip_route_v2_dump', { table: { table_id: 0, is_ip6: true } })).details;
    assert.ok(
      routes.some((d) => (d.route as Value).prefix === '2001:db8::5/128' && (d.route as Value).src === 15),
      'an adjacency entry for the IPv6 neighbour',
    );
  });
});
