import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_PROTO_DIR } from '../../lib/project.ts';
import { IndexModel, INTERFACE_KIND, NO_INDEX, readAt, writeAt } from './indexes.ts';
import { loadModel } from './load-proto.ts';

const indexes = new IndexModel(loadModel(DEFAULT_PROTO_DIR));

describe('indexes VPP allocates', () => {
  it('are the kinds replies hand out, not counters or ids users choose', () => {
    for (const kind of ['acl', 'macip_acl', 'policer', 'table', 'peer']) assert.ok(indexes.kinds.has(kind), kind);
    for (const not of ['stats', 'stat', 'client', 'next', 'node', 'vif', 'bd', 'table_id'])
      assert.ok(!indexes.kinds.has(not), not);
    assert.deepEqual(indexes.allocatedBy('create_loopback'), [{ field: 'sw_if_index', kind: INTERFACE_KIND }]);
    assert.deepEqual(indexes.allocatedBy('acl_add_replace'), [{ field: 'acl_index', kind: 'acl', requestDefault: 0 }]);
    assert.deepEqual(indexes.allocatedBy('ip_route_add_del'), []);
    // a read hands out nothing
    assert.deepEqual(indexes.allocatedBy('sw_interface_get_table'), []);
  });

  it('are found wherever a request holds them, through structs and lists', () => {
    const route = { is_add: true, route: { table_id: 5, paths: [{ sw_if_index: 3 }, { sw_if_index: NO_INDEX }] } };
    assert.deepEqual(indexes.sites('ip_route_add_del', route, NO_INDEX), [
      { path: ['route', 'paths', 0, 'sw_if_index'], kind: INTERFACE_KIND, value: 3 },
    ]);
    const acl = indexes.sites('acl_interface_set_acl_list', { sw_if_index: 4, acls: [7, 9] });
    assert.deepEqual(
      acl.map((s) => [s.path.join('.'), s.kind, s.value]),
      [
        ['sw_if_index', INTERFACE_KIND, 4],
        ['acls.0', 'acl', 7],
        ['acls.1', 'acl', 9],
      ],
    );
    // left out, an index is VPP's default for it: ~0 for a request's interface, 0 elsewhere
    assert.deepEqual(indexes.sites('sw_interface_set_flags', {}), [
      { path: ['sw_if_index'], kind: INTERFACE_KIND, value: NO_INDEX },
    ]);
    assert.deepEqual(indexes.sites('acl_del', {}), [{ path: ['acl_index'], kind: 'acl', value: 0 }]);
  });

  it('are read and written at their paths, structs left out made on the way', () => {
    const v: Record<string, unknown> = {};
    writeAt(v, ['neighbor', 'sw_if_index'], 6);
    assert.deepEqual(v, { neighbor: { sw_if_index: 6 } });
    assert.equal(readAt(v, ['neighbor', 'sw_if_index']), 6);
  });
});
