/** IPIP tunnel requests over the socket, as VPP 26.06 answers them. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Value } from '../../codec/types.ts';
import { simulatorPool } from '../../../test/support/sim-harness.ts';
import { NONE, RV } from '../retval.ts';

const { fresh } = simulatorPool();

const tunnel = (more: Value): Value => ({
  instance: NONE,
  src: '10.0.0.1',
  dst: '10.0.0.2',
  sw_if_index: NONE,
  table_id: 0,
  flags: [],
  mode: 0,
  dscp: 0,
  ...more,
});

describe('IPIP tunnel requests', () => {
  it('ipip_add_tunnel, ipip_tunnel_dump, its interface in sw_interface_dump, ipip_del_tunnel', async () => {
    const { vpp } = await fresh({ interfaces: 1 });
    assert.deepEqual((await vpp.call('ipip_add_tunnel', { tunnel: tunnel({}) })).value, { retval: 0, sw_if_index: 2 });
    assert.deepEqual((await vpp.call('ipip_add_tunnel', { tunnel: tunnel({}) })).value, {
      retval: RV.IF_ALREADY_EXISTS,
      sw_if_index: 2,
    });
    const v6 = tunnel({ instance: 7, src: '2001:db8::1', dst: '2001:db8::2', flags: [1, 4], dscp: 10 });
    assert.deepEqual((await vpp.call('ipip_add_tunnel', { tunnel: v6 })).value, { retval: 0, sw_if_index: 3 });
    const dumped = (await vpp.dump('ipip_tunnel_dump', { sw_if_index: NONE })).details;
    assert.deepEqual(dumped, [
      { tunnel: tunnel({ instance: 0, sw_if_index: 2 }) },
      { tunnel: { ...v6, sw_if_index: 3 } },
    ]);
    assert.deepEqual((await vpp.dump('ipip_tunnel_dump', { sw_if_index: 3 })).details, [dumped[1]]);
    const [details] = (await vpp.dump('sw_interface_dump', { sw_if_index: 3 })).details;
    assert.deepEqual(
      [details!.interface_name, details!.interface_dev_type, details!.l2_address, details!.link_mtu, details!.mtu],
      ['ipip7', 'IPIP tunnel device', '00:00:00:00:00:00', 65496, [9000, 0, 0, 0]],
    );
    assert.equal((await vpp.call('delete_loopback', { sw_if_index: 3 })).value.retval, RV.INVALID_SW_IF_INDEX);
    assert.equal((await vpp.call('ipip_del_tunnel', { sw_if_index: 3 })).value.retval, 0);
    assert.equal((await vpp.call('ipip_del_tunnel', { sw_if_index: 3 })).value.retval, RV.NO_SUCH_ENTRY);
    const names = (await vpp.dump('sw_interface_dump', {})).details.map((d) => d.interface_name);
    assert.deepEqual(names, ['local0', 'loop0', 'ipip0']);
  });
});
