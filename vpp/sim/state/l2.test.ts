import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NONE, RV } from '../retval.ts';
import { DEFAULT_SYSTEM, SimState } from './index.ts';
import { BD_ID_MAX, PORT_TYPE, type BridgeDomainFlags } from './l2.ts';

const world = (loopbacks = 3): SimState => new SimState({ ...DEFAULT_SYSTEM, vpePid: 1, startedAt: 0 }, loopbacks);

const FLAGS: BridgeDomainFlags = {
  flood: true,
  uuFlood: false,
  forward: true,
  learn: false,
  arpTerm: false,
  arpUfwd: false,
  macAge: 5,
  tag: 'ten',
};

const ids = (s: SimState): number[] => [...s.l2.all()].map((bd) => bd.bdId);

describe('bridge domains', () => {
  it('add and delete with VPP’s refusals; domain 0 is there and never shown', () => {
    const { l2 } = world();
    assert.deepEqual([...l2.all()], []);
    assert.equal(l2.add(10, FLAGS), RV.OK);
    assert.equal(l2.add(10, FLAGS), RV.BD_ALREADY_EXISTS);
    assert.equal(l2.add(0, FLAGS), RV.BD_ALREADY_EXISTS);
    assert.equal(l2.add(BD_ID_MAX + 1, FLAGS), RV.BD_ID_EXCEED_MAX);
    assert.equal(l2.delete(99), RV.NO_SUCH_ENTRY);
    assert.equal(l2.delete(0), RV.BD_NOT_MODIFIABLE);
    assert.deepEqual(
      { ...l2.get(10)!, members: [...l2.get(10)!.members] },
      {
        ...FLAGS,
        bdId: 10,
        index: 1,
        bviSwIfIndex: NONE,
        uuFwdSwIfIndex: NONE,
        members: [],
        noFloodCount: 0,
      },
    );
  });

  it('take the lowest free index for a new domain, and dump by index', () => {
    const s = world();
    for (const id of [10, 20, 30]) s.l2.add(id, FLAGS);
    s.l2.delete(20);
    s.l2.add(21, FLAGS);
    assert.deepEqual(ids(s), [10, 21, 30]);
  });

  it('pick unused ids as VPP 26.06 does from its fixed seed', () => {
    const { l2 } = world();
    assert.deepEqual([l2.unusedId(), l2.unusedId()], [7271263, 5253426]);
  });

  it('keep members in flood order: the BVI, flooding interfaces, then loopbacks', () => {
    const s = world();
    const tunnel = s.ipip.add({
      instance: NONE,
      src: '10.0.0.1',
      dst: '10.0.0.2',
      tableId: 0,
      flags: 0,
      mode: 0,
      dscp: 0,
    });
    s.l2.add(1, FLAGS);
    assert.equal(s.l2.bridge(1, 1, PORT_TYPE.NORMAL, 0), RV.OK);
    assert.equal(s.l2.bridge(tunnel.swIfIndex, 1, PORT_TYPE.NORMAL, 0), RV.OK);
    assert.equal(s.l2.bridge(2, 1, PORT_TYPE.BVI, 4), RV.OK);
    assert.deepEqual(s.l2.get(1)!.members, [2, tunnel.swIfIndex, 1]);
    assert.equal(s.l2.get(1)!.bviSwIfIndex, 2);
    assert.equal(s.l2.shgOf(2), 4);
    assert.equal(s.l2.bridge(3, 1, PORT_TYPE.BVI, 0), RV.BD_ALREADY_HAS_BVI);
    assert.deepEqual(s.l2.get(1)!.members, [2, tunnel.swIfIndex, 1], 'a refused BVI is no member');
    // a BVI that becomes a normal port goes last; the loopback that takes its place goes first
    assert.equal(s.l2.bridge(2, 1, PORT_TYPE.NORMAL, 0), RV.OK);
    assert.equal(s.l2.bridge(1, 1, PORT_TYPE.BVI, 0), RV.OK);
    assert.deepEqual(s.l2.get(1)!.members, [1, tunnel.swIfIndex, 2]);
    assert.equal(s.l2.delete(1), RV.BD_IN_USE);
  });

  it('make a domain by bridging into it, move between domains, leave, and let go of deleted interfaces', () => {
    const s = world();
    assert.equal(s.l2.bridge(1, 40, PORT_TYPE.NORMAL, 2), RV.OK);
    const made = s.l2.get(40)!;
    assert.deepEqual(
      [made.flood, made.uuFlood, made.forward, made.learn, made.arpTerm, made.macAge, made.tag],
      [true, true, true, true, false, 0, ''],
    );
    assert.equal(s.l2.bridge(1, BD_ID_MAX + 1, PORT_TYPE.NORMAL, 0), RV.BD_ID_EXCEED_MAX);
    s.l2.add(10, FLAGS);
    assert.equal(s.l2.bridge(1, 10, PORT_TYPE.NORMAL, 0), RV.OK);
    assert.deepEqual([s.l2.get(40)!.members, s.l2.get(10)!.members], [[], [1]]);
    assert.equal(s.l2.bridge(2, 10, PORT_TYPE.UU_FWD, 0), RV.OK);
    assert.equal(s.l2.get(10)!.uuFwdSwIfIndex, 2);
    assert.deepEqual(s.l2.get(10)!.members, [1], 'an unknown-unicast port is no member');
    assert.equal(s.l2.bridge(3, 10, PORT_TYPE.BVI, 0), RV.OK);
    assert.equal(s.interfaces.deleteLoopback(3), RV.OK);
    assert.equal(s.interfaces.deleteLoopback(2), RV.OK);
    assert.deepEqual([s.l2.get(10)!.bviSwIfIndex, s.l2.get(10)!.uuFwdSwIfIndex], [NONE, NONE]);
    assert.equal(s.l2.unbridge(1), RV.OK);
    assert.equal(s.l2.unbridge(1), RV.OK, 'twice is fine');
    assert.deepEqual(s.l2.get(10)!.members, []);
    assert.equal(s.l2.delete(10), RV.OK);
  });
});
