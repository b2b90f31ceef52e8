import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RV } from '../retval.ts';
import { SimState } from './index.ts';
import { makePath, NH_PROTO, PATH_TYPE, type FibTable } from './ip.ts';
import { parsePrefix, prefixText } from './prefix.ts';

const SYSTEM = {
  program: 'vpe',
  version: 'v',
  buildDate: '',
  buildDirectory: '',
  buildUser: '',
  buildHost: '',
  vpePid: 1,
  startedAt: 0,
};

function world(): SimState {
  return new SimState(SYSTEM, 2);
}

/** prefix → [stats index, path types] of the best source, as a dump shows them */
function routes(s: SimState, t: FibTable): Record<string, [number, number[]]> {
  return Object.fromEntries(
    s.ip.routes(t).map((e) => [prefixText(e.prefix), [e.statsIndex, s.ip.forwarding(t, e).paths.map((p) => p.type)]]),
  );
}

const via = (nh: string, sw = 1) => makePath({ type: PATH_TYPE.NORMAL, proto: NH_PROTO.IP4, swIfIndex: sw, nh });
const t4 = (s: SimState, id = 0): FibTable => s.ip.table(false, id)!;

describe('IP state', () => {
  it("start with table 0 of each family and VPP's default entries", () => {
    const s = world();
    assert.deepEqual(routes(s, t4(s)), {
      '0.0.0.0/0': [1, [PATH_TYPE.DROP]],
      '0.0.0.0/32': [2, [PATH_TYPE.DROP]],
      '240.0.0.0/4': [3, [PATH_TYPE.DROP]],
      '224.0.0.0/4': [4, [PATH_TYPE.DROP]],
      '255.255.255.255/32': [5, [PATH_TYPE.DROP]],
    });
    assert.deepEqual(Object.keys(routes(s, s.ip.table(true, 0)!)), ['::/0', 'fe80::/10']);
    assert.deepEqual(
      s.ip.allTables().map((t) => [t.name, t.tableId, t.isIp6]),
      [
        ['ipv4-VRF:0', 0, false],
        ['ipv6-VRF:0', 0, true],
      ],
    );
  });

  it('add address routes only while the interface is up, and take them away when it goes down', () => {
    const s = world();
    assert.equal(s.ip.addAddress(1, parsePrefix('10.10.1.1/24')), RV.OK);
    assert.equal(routes(s, t4(s))['10.10.1.1/32'], undefined, 'down: no routes');
    s.interfaces.setAdminUp(1, true);
    const r = routes(s, t4(s));
    assert.deepEqual(r['10.10.1.1/32'], [8, [PATH_TYPE.LOCAL]]);
    assert.deepEqual(r['10.10.1.1/24'], [9, [PATH_TYPE.NORMAL]], 'the connected prefix keeps its host bits, as in VPP');
    assert.deepEqual(r['10.10.1.0/32'], [10, [PATH_TYPE.DROP]]);
    assert.deepEqual(r['10.10.1.255/32'], [11, [PATH_TYPE.DROP]]);
    s.interfaces.setAdminUp(1, false);
    assert.equal(Object.keys(routes(s, t4(s))).length, 5);
    s.interfaces.setAdminUp(1, true);
    assert.deepEqual(routes(s, t4(s))['10.10.1.1/32'], [11, [PATH_TYPE.LOCAL]], 'freed stats indexes are reused');
  });

  it('make no network or broadcast drops for /31 and /32 addresses', () => {
    const s = world();
    s.interfaces.setAdminUp(1, true);
    s.ip.addAddress(1, parsePrefix('192.0.2.0/31'));
    s.ip.addAddress(2, parsePrefix('198.51.100.7/32'));
    s.interfaces.setAdminUp(2, true);
    const r = routes(s, t4(s));
    assert.deepEqual(
      Object.keys(r).filter(
        (p) => !['0.0.0.0/0', '0.0.0.0/32', '240.0.0.0/4', '224.0.0.0/4', '255.255.255.255/32'].includes(p),
      ),
      ['192.0.2.0/32', '192.0.2.1/32', '198.51.100.7/32'],
    );
    assert.deepEqual(r['192.0.2.1/32']![1], [PATH_TYPE.NORMAL], 'the /31 peer is attached');
  });

  it('refuse overlapping addresses in a table, but not a second address of the same prefix', () => {
    const s = world();
    assert.equal(s.ip.addAddress(1, parsePrefix('10.0.0.1/24')), RV.OK);
    assert.equal(s.ip.addAddress(1, parsePrefix('10.0.0.1/24')), RV.ADDRESS_IN_USE, 'the same address again');
    assert.equal(s.ip.addAddress(2, parsePrefix('10.0.0.2/24')), RV.ADDRESS_IN_USE, 'another interface');
    assert.equal(s.ip.addAddress(1, parsePrefix('10.0.0.9/16')), RV.ADDRESS_IN_USE, 'another length');
    assert.equal(s.ip.addAddress(1, parsePrefix('10.0.0.2/24')), RV.OK);
    assert.equal(s.ip.addAddress(2, parsePrefix('2001:db8::1/64')), RV.OK, 'other family');
    assert.equal(s.ip.delAddress(2, parsePrefix('10.0.0.2/24')), RV.ADDRESS_NOT_FOUND_FOR_INTERFACE);
    assert.deepEqual(
      s.ip.addressesOf(1, false).map((a) => prefixText(a.prefix)),
      ['10.0.0.1/24', '10.0.0.2/24'],
    );
  });

  it('bind interfaces to existing tables only, and only without addresses', () => {
    const s = world();
    assert.equal(s.ip.bindTable(1, false, 5), RV.NO_SUCH_FIB);
    s.ip.addTable(false, 5, '');
    s.ip.addAddress(1, parsePrefix('10.0.0.1/24'));
    assert.equal(s.ip.bindTable(1, false, 5), RV.ADDRESS_FOUND_FOR_INTERFACE);
    assert.equal(s.ip.bindTable(2, false, 5), RV.OK);
    assert.equal(s.ip.tableIdOf(2, false), 5);
    assert.equal(s.ip.addAddress(2, parsePrefix('10.0.0.2/24')), RV.OK, 'no overlap across tables');
    s.interfaces.setAdminUp(2, true);
    assert.ok(routes(s, t4(s, 5))['10.0.0.2/32'], 'routes go to the bound table');
    assert.equal(routes(s, t4(s))['10.0.0.2/32'], undefined);
  });

  it('keep a deleted table, API routes and all, while interfaces are bound to it', () => {
    const s = world();
    s.ip.addTable(false, 7, 'blue');
    assert.equal(t4(s, 7).name, 'blue');
    s.ip.addRoute(t4(s, 7), parsePrefix('192.168.0.0/16'), [via('10.0.0.1')], false);
    s.ip.bindTable(1, false, 7);
    assert.equal(s.ip.deleteTable(false, 7), RV.OK);
    assert.ok(s.ip.table(false, 7));
    assert.ok(routes(s, t4(s, 7))['192.168.0.0/16']);
    s.ip.bindTable(1, false, 0);
    assert.equal(s.ip.table(false, 7), undefined, 'gone with its last interface');
    assert.equal(s.ip.deleteTable(false, 0), RV.OK, 'table 0 stays');
    assert.ok(s.ip.table(false, 0));
  });

  it('replace, extend and remove the API paths of a route; a missing route deletes quietly', () => {
    const s = world();
    const t = t4(s);
    const pfx = parsePrefix('192.168.1.0/24');
    const stats = s.ip.addRoute(t, pfx, [via('10.0.0.1')], false);
    assert.equal(stats, 8);
    s.ip.addRoute(t, pfx, [via('10.0.0.2')], true);
    assert.deepEqual(
      s.ip.forwarding(t, t.entries.get([...t.entries.keys()].find((k) => k.endsWith('/24'))!)!).paths.map((p) => p.nh),
      ['10.0.0.1', '10.0.0.2'],
    );
    assert.equal(s.ip.addRoute(t, pfx, [via('10.0.0.3')], false), 8, 'same entry, same stats index');
    assert.deepEqual(routes(s, t)['192.168.1.0/24'], [8, [PATH_TYPE.NORMAL]]);
    s.ip.deleteRoute(t, pfx, [via('10.0.0.3')], true);
    assert.equal(routes(s, t)['192.168.1.0/24'], undefined, 'its last path went');
    s.ip.deleteRoute(t, parsePrefix('172.16.0.0/12'), [], false);
    assert.equal(Object.keys(routes(s, t)).length, 5);
  });

  it('let an API route override the default route but not the special drops', () => {
    const s = world();
    const t = t4(s);
    s.ip.addRoute(t, parsePrefix('0.0.0.0/0'), [via('10.0.0.1')], false);
    s.ip.addRoute(t, parsePrefix('240.0.0.0/4'), [via('10.0.0.1')], false);
    assert.deepEqual(routes(s, t)['0.0.0.0/0'], [1, [PATH_TYPE.NORMAL]]);
    assert.deepEqual(routes(s, t)['240.0.0.0/4'], [3, [PATH_TYPE.DROP]]);
    s.ip.deleteRoute(t, parsePrefix('0.0.0.0/0'), [], false);
    assert.deepEqual(routes(s, t)['0.0.0.0/0'], [1, [PATH_TYPE.DROP]]);
  });

  it('add IPv6 address routes: the local /128 and the connected prefix', () => {
    const s = world();
    s.interfaces.setAdminUp(1, true);
    s.ip.addAddress(1, parsePrefix('2001:db8::1/64'));
    const r = routes(s, s.ip.table(true, 0)!);
    assert.deepEqual(r['2001:db8::1/128'], [8, [PATH_TYPE.LOCAL]]);
    assert.deepEqual(r['2001:db8::/64'], [9, [PATH_TYPE.NORMAL]]);
  });

  it('drop the addresses and routes of a deleted interface', () => {
    const s = world();
    s.ip.addTable(false, 3, '');
    s.ip.bindTable(1, false, 3);
    s.ip.addAddress(1, parsePrefix('10.0.0.1/24'));
    s.interfaces.setAdminUp(1, true);
    assert.equal(s.interfaces.deleteLoopback(1), RV.OK);
    assert.deepEqual(s.ip.addressesOf(1, false), []);
    assert.equal(Object.keys(routes(s, t4(s, 3))).length, 5);
    assert.equal(t4(s, 3).boundInterfaces, 0);
  });

  it('make the routes of a prefix two addresses share once, from the first, for as long as either remains', () => {
    const s = world();
    s.interfaces.setAdminUp(1, true);
    s.ip.addAddress(1, parsePrefix('10.5.0.1/24'));
    s.ip.addAddress(1, parsePrefix('10.5.0.2/24'));
    const r = routes(s, t4(s));
    assert.ok(r['10.5.0.1/24'] && r['10.5.0.2/32'] && r['10.5.0.1/32']);
    assert.equal(r['10.5.0.2/24'], undefined);
    s.ip.delAddress(1, parsePrefix('10.5.0.1/24'));
    assert.ok(routes(s, t4(s))['10.5.0.1/24'], 'the prefix keeps the form it was made with');
    s.interfaces.setAdminUp(1, false);
    s.interfaces.setAdminUp(1, true);
    assert.ok(routes(s, t4(s))['10.5.0.2/24'], 'made again from the address that remains');
  });

  it('track the next hop of a recursive path: its entry forwards as its cover does', () => {
    const s = world();
    const t = t4(s);
    const recursive = (nh: string, tableId = 0) =>
      makePath({ type: PATH_TYPE.NORMAL, proto: NH_PROTO.IP4, nh, tableId });
    const rr = (prefix: string) => {
      const e = t.entries.get([...t.entries.keys()].find((k) => prefixText(t.entries.get(k)!.prefix) === prefix)!);
      return e && s.ip.forwarding(t, e);
    };
    s.ip.addRoute(t, parsePrefix('10.1.0.0/24'), [recursive('192.0.2.1')], false);
    s.ip.addRoute(t, parsePrefix('10.1.1.0/24'), [recursive('192.0.2.1')], false);
    assert.deepEqual(rr('192.0.2.1/32'), {
      source: 'recursive-resolution',
      paths: [makePath({ type: PATH_TYPE.DROP, proto: NH_PROTO.IP4 })],
    });
    s.interfaces.setAdminUp(1, true);
    s.ip.addAddress(1, parsePrefix('192.0.2.9/24'));
    assert.deepEqual(rr('192.0.2.1/32')!.paths, [via('192.0.2.1')], 'through the attached cover’s interface');
    s.ip.addRoute(t, parsePrefix('192.0.2.0/28'), [recursive('198.51.100.1')], false);
    assert.deepEqual(rr('192.0.2.1/32')!.paths, [recursive('198.51.100.1')], 'the cover’s own paths');
    s.ip.addRoute(t, parsePrefix('198.51.100.0/24'), [recursive('198.51.100.1')], false);
    assert.deepEqual(rr('198.51.100.1/32')!.paths[0]!.type, PATH_TYPE.DROP, 'a cover through itself is a loop');
    s.ip.deleteRoute(t, parsePrefix('10.1.0.0/24'), [], false);
    assert.ok(rr('192.0.2.1/32'), 'one path still tracks it');
    s.ip.deleteRoute(t, parsePrefix('10.1.1.0/24'), [], false);
    assert.equal(rr('192.0.2.1/32'), undefined);
  });

  it('keep a deleted table while a recursive path resolves through it', () => {
    const s = world();
    s.ip.addTable(false, 13, '');
    const through13 = makePath({ type: PATH_TYPE.NORMAL, proto: NH_PROTO.IP4, nh: '10.0.0.1', tableId: 13 });
    s.ip.addRoute(t4(s), parsePrefix('10.13.0.0/24'), [through13], false);
    s.ip.deleteTable(false, 13);
    assert.ok(routes(s, t4(s, 13))['10.0.0.1/32']);
    s.ip.deleteRoute(t4(s), parsePrefix('10.13.0.0/24'), [], false);
    assert.equal(s.ip.table(false, 13), undefined);
  });
});
