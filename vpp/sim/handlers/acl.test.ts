/** The ACL plugin's requests over the socket, as VPP 26.06 answers them. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Value } from '../../codec/types.ts';
import { simulatorPool } from '../../../test/support/sim-harness.ts';
import { NONE, RV } from '../retval.ts';

const { fresh } = simulatorPool();

const RULE: Value = {
  is_permit: 1,
  src_prefix: '10.0.0.0/8',
  dst_prefix: '0.0.0.0/0',
  proto: 6,
  srcport_or_icmptype_first: 0,
  srcport_or_icmptype_last: 65535,
  dstport_or_icmpcode_first: 80,
  dstport_or_icmpcode_last: 80,
  tcp_flags_mask: 0,
  tcp_flags_value: 0,
};

describe('ACL requests', () => {
  it('acl_add_replace answers the index; acl_dump lists all or one, rules field for field', async () => {
    const { vpp } = await fresh();
    const add = (acl_index: number, tag: string, r: Value[]) =>
      vpp.call('acl_add_replace', { acl_index, tag, r }).then((m) => m.value);
    assert.deepEqual(await add(NONE, 'web', [RULE]), { acl_index: 0, retval: 0 });
    assert.deepEqual(await add(NONE, 'none', []), { acl_index: 1, retval: 0 });
    assert.deepEqual(await add(7, 'missing', []), { acl_index: 7, retval: RV.NO_SUCH_ENTRY });
    assert.deepEqual(await add(NONE, 'bad', [{ ...RULE, src_prefix: '10.0.0.1/8' }]), {
      acl_index: NONE,
      retval: RV.INVALID_SRC_ADDRESS,
    });
    const all = await vpp.dump('acl_dump', { acl_index: NONE });
    assert.deepEqual(all.details, [
      { acl_index: 0, tag: 'web', r: [RULE] },
      { acl_index: 1, tag: 'none', r: [] },
    ]);
    assert.equal(all.ping.retval, 0);
    assert.deepEqual((await vpp.dump('acl_dump', { acl_index: 1 })).details, [{ acl_index: 1, tag: 'none', r: [] }]);
    assert.deepEqual((await vpp.dump('acl_dump', { acl_index: 9 })).details, []);
  });

  it('apply lists; acl_interface_list_dump shows every interface, inputs first', async () => {
    const { vpp } = await fresh({ interfaces: 2 });
    for (let i = 0; i < 3; i++) await vpp.call('acl_add_replace', { acl_index: NONE, tag: `${i}`, r: [] });
    const retval = async (name: string, value: Value) => (await vpp.call(name, value)).value.retval;
    assert.equal(await retval('acl_interface_set_acl_list', { sw_if_index: 1, n_input: 2, acls: [0, 2, 1] }), 0);
    assert.equal(await retval('acl_interface_set_acl_list', { sw_if_index: 2, n_input: 2, acls: [0, 0] }), 1);
    assert.equal(
      await retval('acl_interface_add_del', { is_add: true, is_input: false, sw_if_index: 2, acl_index: 1 }),
      0,
    );
    assert.equal(
      await retval('acl_interface_add_del', { is_add: true, is_input: false, sw_if_index: 2, acl_index: 1 }),
      RV.ACL_IN_USE_OUTBOUND,
    );
    assert.equal(await retval('acl_del', { acl_index: 0 }), RV.ACL_IN_USE_INBOUND);
    assert.deepEqual((await vpp.dump('acl_interface_list_dump', { sw_if_index: NONE })).details, [
      { sw_if_index: 0, n_input: 0, acls: [] },
      { sw_if_index: 1, n_input: 2, acls: [0, 2, 1] },
      { sw_if_index: 2, n_input: 0, acls: [1] },
    ]);
    assert.deepEqual((await vpp.dump('acl_interface_list_dump', { sw_if_index: 9 })).details, []);
    assert.equal(await retval('delete_loopback', { sw_if_index: 1 }), 0);
    assert.equal(await retval('acl_del', { acl_index: 0 }), 0, 'no longer applied anywhere');
  });
});
