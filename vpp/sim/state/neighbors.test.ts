import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NONE, RV } from '../retval.ts';
import { DEFAULT_SYSTEM, SimState } from './index.ts';
import { parsePrefix, prefixText } from './prefix.ts';

const world = (): SimState => new SimState({ ...DEFAULT_SYSTEM, vpePid: 1, startedAt: 0 }, 2);
const host = (a: string) => parsePrefix(`${a}/${a.includes(':') ? 128 : 32}`);
const STATIC = { isStatic: true, noFibEntry: false };
const DYNAMIC = { isStatic: false, noFibEntry: false };

/** the adjacency entries of a table: prefix → interfaces of its paths */
function adjacencies(s: SimState, isIp6: boolean, tableId = 0): Record<string, number[]> {
  const t = s.ip.table(isIp6, tableId)!;
  return Object.fromEntries(
    s.ip
      .routes(t)
      .filter((e) => s.ip.forwarding(t, e).source === 'adjacency')
      .map((e) => [prefixText(e.prefix), s.ip.forwarding(t, e).paths.map((p) => p.swIfIndex)]),
  );
}

describe('IP neighbours', () => {
  it('add adjacency entries, except for no-fib-entry and IPv6 link-local neighbours', () => {
    const s = world();
    assert.deepEqual(s.neighbors.add(1, host('10.1.0.5'), '02:00:00:00:00:01', STATIC), {
      retval: RV.OK,
      adjacency: 0,
    });
    assert.deepEqual(s.neighbors.add(1, host('10.1.0.8'), '02:00:00:00:00:02', { isStatic: true, noFibEntry: true }), {
      retval: RV.OK,
      adjacency: NONE,
    });
    s.neighbors.add(2, host('2001:db8::5'), '02:00:00:00:00:03', STATIC);
    s.neighbors.add(2, host('fe80::6'), '02:00:00:00:00:04', STATIC);
    assert.deepEqual(adjacencies(s, false), { '10.1.0.5/32': [1] });
    assert.deepEqual(adjacencies(s, true), { '2001:db8::5/128': [2] });
    assert.deepEqual(
      s.neighbors.list(true, NONE).map((n) => prefixText(n.address)),
      ['2001:db8::5/128', 'fe80::6/128'],
    );
    assert.deepEqual(s.neighbors.list(false, 2), []);
    assert.equal(s.neighbors.add(9, host('10.1.0.9'), '02:00:00:00:00:05', STATIC).retval, RV.INVALID_SW_IF_INDEX);
  });

  it('update as ip_neighbor_add does: a static entry refuses a dynamic MAC change; a dynamic one becomes static', () => {
    const s = world();
    s.neighbors.add(1, host('10.1.0.6'), '02:00:00:00:00:02', STATIC);
    assert.equal(s.neighbors.add(1, host('10.1.0.6'), '02:00:00:00:00:0a', DYNAMIC).retval, -2);
    assert.equal(s.neighbors.add(1, host('10.1.0.6'), '02:00:00:00:00:02', DYNAMIC).retval, RV.OK, 'same MAC');
    assert.equal(s.neighbors.add(1, host('10.1.0.6'), '02:00:00:00:00:09', STATIC).retval, RV.OK);
    s.neighbors.add(1, host('10.1.0.7'), '02:00:00:00:00:03', DYNAMIC);
    s.neighbors.add(1, host('10.1.0.7'), '02:00:00:00:00:0b', STATIC);
    assert.deepEqual(
      s.neighbors.list(false, 1).map((n) => [prefixText(n.address), n.mac, n.isStatic]),
      [
        ['10.1.0.6/32', '02:00:00:00:00:09', true],
        ['10.1.0.7/32', '02:00:00:00:00:0b', true],
      ],
    );
    assert.equal(s.neighbors.delete(1, host('10.1.0.99')), RV.NO_SUCH_ENTRY);
    assert.equal(s.neighbors.delete(9, host('10.1.0.6')), RV.INVALID_SW_IF_INDEX);
    assert.equal(s.neighbors.delete(1, host('10.1.0.6')), RV.OK);
    assert.deepEqual(adjacencies(s, false), { '10.1.0.7/32': [1] });
  });

  it('flush dynamic neighbours on admin down, every neighbour with the interface; follow it to another table', () => {
    const s = world();
    s.interfaces.setAdminUp(1, true);
    s.neighbors.add(1, host('10.1.0.5'), '02:00:00:00:00:01', STATIC);
    s.neighbors.add(1, host('10.1.0.20'), '02:00:00:00:00:0c', DYNAMIC);
    s.interfaces.setAdminUp(1, false);
    assert.deepEqual(
      s.neighbors.list(false, 1).map((n) => prefixText(n.address)),
      ['10.1.0.5/32'],
    );
    s.ip.addTable(false, 5, '');
    assert.equal(s.ip.bindTable(1, false, 5), RV.OK);
    assert.deepEqual([adjacencies(s, false, 0), adjacencies(s, false, 5)], [{}, { '10.1.0.5/32': [1] }]);
    s.ip.deleteTable(false, 5);
    assert.equal(s.interfaces.deleteLoopback(1), RV.OK);
    assert.deepEqual(s.neighbors.list(false, NONE), []);
    assert.equal(s.ip.table(false, 5), undefined, 'the table went with its last interface');
  });
});
