import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NONE, RV } from '../retval.ts';
import { DEFAULT_SYSTEM, SimState } from './index.ts';
import { makePath, NH_PROTO, PATH_TYPE, type FibTable } from './ip.ts';
import { parsePrefix, prefixText } from './prefix.ts';
import { TUNNEL_MODE, type IpipTunnelSpec } from './tunnels.ts';

const world = (loopbacks = 0): SimState => new SimState({ ...DEFAULT_SYSTEM, vpePid: 1, startedAt: 0 }, loopbacks);

const spec = (dst: string, more: Partial<IpipTunnelSpec> = {}): IpipTunnelSpec => ({
  instance: NONE,
  src: '10.0.0.1',
  dst,
  tableId: 0,
  flags: 0,
  mode: TUNNEL_MODE.P2P,
  dscp: 0,
  ...more,
});

/** the table's recursive-resolution entries: prefix → [path type, interface, next hop] */
function tracked(s: SimState, t: FibTable): Record<string, [number, number, string][]> {
  return Object.fromEntries(
    s.ip
      .routes(t)
      .filter((e) => s.ip.forwarding(t, e).source === 'recursive-resolution')
      .map((e) => [
        prefixText(e.prefix),
        s.ip.forwarding(t, e).paths.map((p): [number, number, string] => [p.type, p.swIfIndex, p.nh]),
      ]),
  );
}

describe('IPIP tunnels', () => {
  it('make an interface named after the instance, the pool index by default', () => {
    const s = world(1);
    assert.deepEqual(s.ipip.add(spec('10.0.0.2')), { retval: RV.OK, swIfIndex: 2 });
    assert.deepEqual(s.ipip.add(spec('2001:db8::2', { src: '2001:db8::1', instance: 7 })), {
      retval: RV.OK,
      swIfIndex: 3,
    });
    assert.deepEqual(s.ipip.add(spec('0.0.0.0', { mode: TUNNEL_MODE.MP })), { retval: RV.OK, swIfIndex: 4 });
    assert.deepEqual(
      [2, 3, 4].map((sw) => {
        const i = s.interfaces.get(sw)!;
        return [i.name, i.kind, i.devType, i.mac, i.linkMtu, i.mtu[0]];
      }),
      [
        ['ipip0', 'ipip', 'IPIP tunnel device', undefined, 65516, 9000],
        ['ipip7', 'ipip', 'IPIP tunnel device', undefined, 65496, 9000],
        ['ipip2', 'ipip', 'IPIP tunnel device', undefined, 65516, 9000],
      ],
    );
    assert.equal(s.ipip.delete(3), RV.OK);
    assert.equal(s.interfaces.get(3), undefined);
    assert.deepEqual(s.ipip.add(spec('10.0.0.9')), { retval: RV.OK, swIfIndex: 3 });
    assert.equal(s.interfaces.get(3)!.name, 'ipip1', 'the freed pool index is the new instance');
  });

  it("refuse what ipip_add_tunnel refuses, with VPP's retvals", () => {
    const s = world();
    const first = s.ipip.add(spec('10.0.0.2'));
    assert.deepEqual(s.ipip.add(spec('10.0.0.2')), { retval: RV.IF_ALREADY_EXISTS, swIfIndex: first.swIfIndex });
    assert.equal(s.ipip.add(spec('10.0.0.3', { instance: 0 })).retval, RV.INSTANCE_IN_USE);
    assert.equal(s.ipip.add(spec('2001:db8::2')).retval, RV.INVALID_PROTOCOL);
    assert.equal(s.ipip.add(spec('10.0.0.1')).retval, RV.SAME_SRC_DST);
    assert.equal(s.ipip.add(spec('10.0.0.4', { tableId: 5 })).retval, RV.NO_SUCH_FIB);
    assert.equal(s.ipip.add(spec('10.0.0.5', { mode: TUNNEL_MODE.MP })).retval, RV.INVALID_DST_ADDRESS);
    assert.equal(s.ipip.add(spec('10.0.0.6', { mode: 3 })).retval, RV.INVALID_VALUE_2);
    assert.deepEqual(
      [...s.ipip.all()].map((t) => t.swIfIndex),
      [first.swIfIndex],
    );
    assert.equal(s.ipip.delete(0), RV.NO_SUCH_ENTRY);
    assert.equal(s.interfaces.deleteLoopback(first.swIfIndex), RV.INVALID_SW_IF_INDEX, 'not a loopback');
  });

  it('track the destination once an adjacency meets the link up, until the adjacency goes', () => {
    const s = world();
    const t0 = s.ip.table(false, 0)!;
    const { swIfIndex: sw } = s.ipip.add(spec('10.9.0.1'));
    s.ip.addAddress(sw, parsePrefix('192.168.1.1/30'));
    assert.deepEqual(tracked(s, t0), {}, 'an adjacency, but the link is down');
    s.interfaces.setAdminUp(sw, true);
    assert.deepEqual(tracked(s, t0), { '10.9.0.1/32': [[PATH_TYPE.DROP, NONE, '']] });
    s.interfaces.setAdminUp(sw, false);
    assert.ok(tracked(s, t0)['10.9.0.1/32'], 'the address keeps the adjacency while the link is down');
    s.ip.delAddress(sw, parsePrefix('192.168.1.1/30'));
    assert.deepEqual(tracked(s, t0), {});
    const via = makePath({ type: PATH_TYPE.NORMAL, proto: NH_PROTO.IP4, swIfIndex: sw });
    s.ip.addRoute(t0, parsePrefix('172.16.0.0/16'), [via], false);
    assert.deepEqual(tracked(s, t0), {}, 'a route through a tunnel that is down');
    s.interfaces.setAdminUp(sw, true);
    assert.ok(tracked(s, t0)['10.9.0.1/32'], 'restacked when the link comes up');
    s.ip.deleteRoute(t0, parsePrefix('172.16.0.0/16'), [], false);
    assert.deepEqual(tracked(s, t0), {});
    s.ip.addAddress(sw, parsePrefix('2001:db8:1::1/64'));
    assert.ok(tracked(s, t0)['10.9.0.1/32'], 'an IPv6 adjacency stacks too');
    assert.equal(s.ipip.delete(sw), RV.OK);
    assert.deepEqual(tracked(s, t0), {});
  });

  it("forward a tracked destination as its cover does, through an attached cover's interface", () => {
    const s = world(1);
    const t0 = s.ip.table(false, 0)!;
    const { swIfIndex: sw } = s.ipip.add(spec('10.0.0.2'));
    s.interfaces.setAdminUp(sw, true);
    s.ip.addAddress(sw, parsePrefix('192.168.5.1/30'));
    s.interfaces.setAdminUp(1, true);
    s.ip.addAddress(1, parsePrefix('10.0.0.1/24'));
    assert.deepEqual(tracked(s, t0), { '10.0.0.2/32': [[PATH_TYPE.NORMAL, 1, '10.0.0.2']] });
    const recursive = makePath({ type: PATH_TYPE.NORMAL, proto: NH_PROTO.IP4, nh: '10.0.0.254' });
    s.ip.addRoute(t0, parsePrefix('10.0.0.0/30'), [recursive], false);
    assert.deepEqual(tracked(s, t0), {
      '10.0.0.2/32': [[PATH_TYPE.NORMAL, NONE, '10.0.0.254']],
      '10.0.0.254/32': [[PATH_TYPE.NORMAL, 1, '10.0.0.254']],
    });
  });

  it('leave a multipoint tunnel’s destination alone', () => {
    const s = world();
    const { swIfIndex: sw } = s.ipip.add(spec('0.0.0.0', { mode: TUNNEL_MODE.MP }));
    s.interfaces.setAdminUp(sw, true);
    s.ip.addAddress(sw, parsePrefix('192.168.5.1/24'));
    assert.deepEqual(tracked(s, s.ip.table(false, 0)!), {});
  });
});
