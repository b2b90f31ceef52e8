import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RV } from '../retval.ts';
import { NEW, type AclRuleText } from './acl.ts';
import { DEFAULT_SYSTEM, SimState } from './index.ts';
import { prefixText } from './prefix.ts';

const world = (): SimState => new SimState({ ...DEFAULT_SYSTEM, vpePid: 1, startedAt: 0 }, 2);

const rule = (src: string, dst: string, more: Partial<AclRuleText> = {}): AclRuleText => ({
  isPermit: 1,
  src,
  dst,
  proto: 0,
  srcPortFirst: 0,
  srcPortLast: 0,
  dstPortFirst: 0,
  dstPortLast: 0,
  tcpFlagsMask: 0,
  tcpFlagsValue: 0,
  ...more,
});

describe('ACLs', () => {
  it('make new ACLs from the pool, replace existing ones, refuse to replace a missing one', () => {
    const { acl } = world();
    assert.deepEqual(acl.addReplace(NEW, 'a', [rule('10.0.0.0/8', '0.0.0.0/0')]), { retval: RV.OK, index: 0 });
    assert.deepEqual(acl.addReplace(NEW, 'b', []), { retval: RV.OK, index: 1 });
    assert.deepEqual(acl.addReplace(1, 'b2', [rule('2001:db8::/32', '::/0')]), { retval: RV.OK, index: 1 });
    assert.deepEqual(acl.addReplace(7, 'c', []), { retval: RV.NO_SUCH_ENTRY, index: 7 });
    const b = acl.get(1)!;
    assert.equal(b.tag, 'b2');
    assert.deepEqual(
      b.rules.map((r) => [prefixText(r.src), prefixText(r.dst)]),
      [['2001:db8::/32', '::/0']],
    );
    assert.equal(acl.delete(0), RV.OK);
    assert.equal(acl.delete(1), RV.OK);
    assert.equal(acl.addReplace(NEW, 'd', []).index, 1, 'the index freed last comes back first');
  });

  it("check rules as acl_add_list does: no host bits, one family, ports in order, the tag's size", () => {
    const { acl } = world();
    const add = (r: AclRuleText, tag = 't') => acl.addReplace(NEW, tag, [r]).retval;
    assert.equal(add(rule('10.0.0.1/8', '0.0.0.0/0')), RV.INVALID_SRC_ADDRESS);
    assert.equal(add(rule('10.0.0.0/8', '0.0.0.1/0')), RV.INVALID_DST_ADDRESS);
    assert.equal(add(rule('10.0.0.0/8', '::/0')), RV.INVALID_SRC_ADDRESS);
    assert.equal(add(rule('10.0.0.0/8', '0.0.0.0/0', { srcPortFirst: 10, srcPortLast: 5 })), RV.INVALID_VALUE_2);
    assert.equal(add(rule('10.0.0.0/8', '0.0.0.0/0', { dstPortFirst: 10, dstPortLast: 5 })), RV.INVALID_VALUE_2);
    assert.equal(add(rule('10.0.0.0/8', '0.0.0.0/0'), 'x'.repeat(64)), RV.INVALID_VALUE);
    assert.deepEqual([...acl.all()], []);
  });

  it('apply lists: output first; a repeated ACL fails the list and VPP answers 1', () => {
    const { acl } = world();
    for (let i = 0; i < 3; i++) acl.addReplace(NEW, `${i}`, []);
    assert.equal(acl.setLists(1, [0, 2, 1], 2), RV.OK);
    assert.deepEqual(acl.listsOf(1), { input: [0, 2], output: [1] });
    assert.equal(acl.setLists(9, [0], 1), RV.INVALID_SW_IF_INDEX);
    assert.equal(acl.setLists(2, [5], 1), RV.NO_SUCH_ENTRY);
    assert.equal(acl.setLists(2, [0, 0, 1], 2), 1, 'the input list repeats 0');
    assert.deepEqual(acl.listsOf(2), { input: [], output: [1] }, 'the output list was set');
    assert.equal(acl.setLists(2, [0, 1, 1], 1), 1, 'the output list repeats 1');
    assert.deepEqual(acl.listsOf(2), { input: [], output: [1] });
    assert.equal(acl.setLists(2, [2, 1], 5), RV.OK, 'n_input past the count: all input');
    assert.deepEqual(acl.listsOf(2), { input: [2, 1], output: [] });
  });

  it('add and remove one ACL; an applied ACL cannot be deleted; a deleted interface lets go', () => {
    const { acl, interfaces } = world();
    acl.addReplace(NEW, 'in', []);
    acl.addReplace(NEW, 'out', []);
    assert.equal(acl.addDel(1, true, true, 0), RV.OK);
    assert.equal(acl.addDel(1, true, true, 0), RV.ACL_IN_USE_INBOUND);
    assert.equal(acl.addDel(1, true, false, 1), RV.OK);
    assert.equal(acl.addDel(1, true, false, 1), RV.ACL_IN_USE_OUTBOUND);
    assert.equal(acl.addDel(1, true, false, 9), RV.NO_SUCH_ENTRY);
    assert.equal(acl.addDel(9, true, false, 0), RV.INVALID_SW_IF_INDEX);
    assert.equal(acl.addDel(1, false, false, 0), RV.NO_SUCH_ENTRY, 'not in the output list');
    assert.equal(acl.delete(0), RV.ACL_IN_USE_INBOUND);
    assert.equal(acl.delete(1), RV.ACL_IN_USE_OUTBOUND);
    assert.equal(acl.delete(9), RV.NO_SUCH_ENTRY);
    assert.equal(acl.addDel(1, false, false, 1), RV.OK);
    assert.equal(acl.delete(1), RV.OK);
    assert.equal(interfaces.deleteLoopback(1), RV.OK);
    assert.deepEqual(acl.listsOf(1), { input: [], output: [] });
    assert.equal(acl.delete(0), RV.OK);
  });
});
