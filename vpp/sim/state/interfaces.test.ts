import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NONE, RV } from '../retval.ts';
import { DEFAULT_SYSTEM, SimState } from './index.ts';
import { IF_EVENT, InterfaceTable, type InterfaceObserver } from './interfaces.ts';

function table(): { t: InterfaceTable; events: [number, number][]; admin: [number, boolean][]; deleted: number[] } {
  const events: [number, number][] = [];
  const admin: [number, boolean][] = [];
  const deleted: number[] = [];
  const observer: InterfaceObserver = {
    event: (sw, bits) => events.push([sw, bits]),
    adminChanged: (sw, up) => admin.push([sw, up]),
    deleting: (sw) => deleted.push(sw),
  };
  return { t: new InterfaceTable(observer), events, admin, deleted };
}

describe('interfaces', () => {
  it('start with local0 at index 0, down, not ethernet, MTU 0', () => {
    const { t } = table();
    const local0 = t.get(0)!;
    assert.equal(local0.name, 'local0');
    assert.equal(local0.devType, 'local');
    assert.equal(local0.mac, undefined);
    assert.equal(local0.adminUp, false);
    assert.deepEqual(local0.mtu, [0, 0, 0, 0]);
    assert.deepEqual(
      [...t.all()].map((i) => i.swIfIndex),
      [0],
    );
  });

  it('name loopbacks after the lowest free instance, with de:ad:00:00:00:<instance> MACs', () => {
    const { t } = table();
    assert.deepEqual(t.createLoopback(undefined), { retval: RV.OK, swIfIndex: 1 });
    assert.deepEqual(t.createLoopback('00:00:00:00:00:00'), { retval: RV.OK, swIfIndex: 2 });
    assert.deepEqual(t.createLoopback('02:00:00:00:00:07'), { retval: RV.OK, swIfIndex: 3 });
    assert.deepEqual(
      [...t.all()].map((i) => [i.name, i.mac, i.devType, i.linkMtu, i.mtu[0]]),
      [
        ['local0', undefined, 'local', 0, 0],
        ['loop0', 'de:ad:00:00:00:00', 'Loopback', 9000, 9000],
        ['loop1', 'de:ad:00:00:00:01', 'Loopback', 9000, 9000],
        ['loop2', '02:00:00:00:00:07', 'Loopback', 9000, 9000],
      ],
    );
    const big = t.createLoopback(undefined, 0x1234);
    assert.equal(t.get(big.swIfIndex)!.mac, 'de:ad:00:00:12:34');
  });

  it('reuse the last freed sw_if_index and the lowest free instance', () => {
    const { t } = table();
    for (let i = 0; i < 4; i++) t.createLoopback(undefined);
    assert.equal(t.deleteLoopback(2), RV.OK); // loop1
    assert.equal(t.deleteLoopback(3), RV.OK); // loop2
    const again = t.createLoopback(undefined);
    assert.equal(again.swIfIndex, 3);
    assert.equal(t.get(3)!.name, 'loop1');
    assert.equal(t.get(t.createLoopback(undefined).swIfIndex)!.name, 'loop2');
  });

  it('refuse a loopback instance in use or out of range with INVALID_REGISTRATION', () => {
    const { t } = table();
    assert.equal(t.createLoopback(undefined, 5).retval, RV.OK);
    assert.equal(t.get(1)!.name, 'loop5');
    assert.deepEqual(t.createLoopback(undefined, 5), { retval: RV.INVALID_REGISTRATION, swIfIndex: NONE });
    assert.equal(t.createLoopback(undefined, 16384).retval, RV.INVALID_REGISTRATION);
  });

  it('delete only loopbacks: local0 and unknown indexes are INVALID_SW_IF_INDEX', () => {
    const { t } = table();
    assert.equal(t.deleteLoopback(0), RV.INVALID_SW_IF_INDEX);
    assert.equal(t.deleteLoopback(7), RV.INVALID_SW_IF_INDEX);
    assert.ok(t.has(0));
  });

  it('bring a loopback link up and down with its admin state, with VPP event bits', () => {
    const { t, events, admin } = table();
    const { swIfIndex: sw } = t.createLoopback(undefined);
    events.length = 0;
    assert.equal(t.setAdminUp(sw, true), RV.OK);
    assert.deepEqual(events, [
      [sw, IF_EVENT.ADMIN_UP],
      [sw, IF_EVENT.LINK_UP],
    ]);
    assert.equal(t.get(sw)!.linkUp, true);
    events.length = 0;
    assert.equal(t.setAdminUp(sw, true), RV.OK, 'no change');
    assert.deepEqual(events, []);
    t.setAdminUp(sw, false);
    assert.deepEqual(events, [
      [sw, IF_EVENT.ADMIN_DOWN],
      [sw, IF_EVENT.LINK_DOWN],
    ]);
    assert.deepEqual(admin, [
      [sw, true],
      [sw, false],
    ]);
  });

  it("leave local0's link down when it goes admin up", () => {
    const { t, events } = table();
    assert.equal(t.setAdminUp(0, true), RV.OK);
    assert.equal(t.get(0)!.linkUp, false);
    assert.deepEqual(events, [[0, IF_EVENT.ADMIN_UP]]);
  });

  it('take an up loopback down before deleting it, then report the deletion', () => {
    const { t, events, deleted } = table();
    const { swIfIndex: sw } = t.createLoopback(undefined);
    t.setAdminUp(sw, true);
    events.length = 0;
    t.deleteLoopback(sw);
    assert.deepEqual(events, [
      [sw, IF_EVENT.ADMIN_DOWN],
      [sw, IF_EVENT.LINK_DOWN],
      [sw, IF_EVENT.DEL],
    ]);
    assert.deepEqual(deleted, [sw]);
    assert.equal(t.named('loop0'), undefined);
  });

  it('set MTU, MAC and tag; local0 has no MAC to change', () => {
    const { t } = table();
    const { swIfIndex: sw } = t.createLoopback(undefined);
    assert.equal(t.setMtu(sw, [1500, 1400, 1300]), RV.OK);
    assert.deepEqual(t.get(sw)!.mtu, [1500, 1400, 1300, 0]);
    assert.equal(t.setMac(sw, '02:01:02:03:04:05'), RV.OK);
    assert.equal(t.get(sw)!.mac, '02:01:02:03:04:05');
    assert.equal(t.setMac(0, '02:01:02:03:04:05'), RV.UNIMPLEMENTED);
    assert.equal(t.setMtu(9, [1500]), RV.INVALID_SW_IF_INDEX);
    assert.equal(t.setTag(sw, 'uplink'), RV.OK);
    assert.equal(t.get(sw)!.tag, 'uplink');
  });

  it('fit at most 16,384 loopbacks, as VPP does', () => {
    const system = { ...DEFAULT_SYSTEM, vpePid: 1, startedAt: 0 };
    assert.equal(new SimState(system, 16384).interfaces.size, 16385);
    assert.throws(() => new SimState(system, 16385), /16385 loopbacks do not fit/);
  });
});
