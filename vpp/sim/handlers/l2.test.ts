/** Bridge domain requests over the socket, as VPP 26.06 answers them. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Value } from '../../codec/types.ts';
import { simulatorPool } from '../../../test/support/sim-harness.ts';
import { NONE, RV } from '../retval.ts';

const { fresh } = simulatorPool();

const domain = (bd_id: number, more: Value = {}): Value => ({
  bd_id,
  flood: false,
  uu_flood: false,
  forward: false,
  learn: false,
  arp_term: false,
  arp_ufwd: false,
  mac_age: 0,
  bd_tag: '',
  bvi_sw_if_index: NONE,
  uu_fwd_sw_if_index: NONE,
  sw_if_details: [],
  ...more,
});

describe('bridge domain requests', () => {
  it('bridge_domain_add_del(_v2) and bridge_domain_dump with members, BVI and split-horizon groups', async () => {
    const { vpp } = await fresh({ interfaces: 2 });
    const retval = async (name: string, value: Value) => (await vpp.call(name, value)).value.retval;
    assert.equal(
      await retval('bridge_domain_add_del', { bd_id: 10, flood: true, mac_age: 5, bd_tag: 'ten', is_add: true }),
      0,
    );
    assert.equal(await retval('bridge_domain_add_del', { bd_id: 10, is_add: true }), RV.BD_ALREADY_EXISTS);
    assert.deepEqual((await vpp.call('bridge_domain_add_del_v2', { bd_id: NONE, is_add: true })).value, {
      retval: 0,
      bd_id: 7271263,
    });
    assert.equal(await retval('sw_interface_set_l2_bridge', { rx_sw_if_index: 1, bd_id: 10, enable: true }), 0);
    assert.equal(
      await retval('sw_interface_set_l2_bridge', { rx_sw_if_index: 2, bd_id: 10, port_type: 1, shg: 3, enable: true }),
      0,
    );
    assert.equal(
      await retval('sw_interface_set_l2_bridge', { rx_sw_if_index: 9, bd_id: 10, enable: true }),
      RV.INVALID_SW_IF_INDEX,
    );
    assert.equal(
      await retval('sw_interface_set_l2_bridge', { rx_sw_if_index: 1, bd_id: 10, port_type: 7, enable: true }),
      RV.INVALID_VALUE,
    );
    const ten = domain(10, {
      flood: true,
      mac_age: 5,
      bd_tag: 'ten',
      bvi_sw_if_index: 2,
      sw_if_details: [
        { context: 0, sw_if_index: 2, shg: 3 },
        { context: 0, sw_if_index: 1, shg: 0 },
      ],
    });
    assert.deepEqual((await vpp.dump('bridge_domain_dump', { bd_id: NONE })).details, [ten, domain(7271263)]);
    assert.deepEqual((await vpp.dump('bridge_domain_dump', { bd_id: 10 })).details, [ten]);
    assert.deepEqual((await vpp.dump('bridge_domain_dump', { bd_id: 0 })).details, []);
    assert.deepEqual(
      (await vpp.dump('bridge_domain_dump', { bd_id: 10, sw_if_index: 1 })).details,
      [],
      'VPP does not filter by interface',
    );
    assert.equal(await retval('bridge_domain_add_del', { bd_id: 10, is_add: false }), RV.BD_IN_USE);
    assert.equal(await retval('delete_loopback', { sw_if_index: 2 }), 0);
    assert.equal(await retval('sw_interface_set_l2_bridge', { rx_sw_if_index: 1, bd_id: 10, enable: false }), 0);
    assert.equal(await retval('bridge_domain_add_del', { bd_id: 10, is_add: false }), 0);
    assert.deepEqual((await vpp.dump('bridge_domain_dump', { bd_id: NONE })).details, [domain(7271263)]);
  });
});
