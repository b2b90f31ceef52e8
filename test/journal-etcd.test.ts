/**
 * The journal in etcd end to end (--journal etcd), against a 3-member etcd on
 * loopback: a host lost altogether (server killed, its state directory gone,
 * a fresh VPP) gets its configuration back from a new server of the same
 * name; members of etcd die; etcd goes away and comes back; compaction
 * leaves no keys behind.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, it } from 'node:test';
import { EtcdClient } from '../lib/etcd/index.ts';
import { describeEtcd, startEtcdCluster, type EtcdCluster } from './support/etcd.ts';
import { post } from './support/http.ts';
import {
  configurationOf,
  configureNode,
  dump,
  exportJournal,
  journalStatus,
  rest,
  restBatch,
  untilReplayed,
} from './support/journal.ts';
import { waitFor } from './support/observe.ts';
import { untilReady } from './support/ready.ts';
import { startStack, type Stack } from './support/stack.ts';

const route = (i: number, is_add = true): Record<string, unknown> => ({
  is_add,
  route: {
    table_id: 7,
    prefix: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`,
    paths: [{ sw_if_index: 4294967295, nh: { address: { ip4: '192.0.2.1' } } }],
  },
});
const prefixOf = (line: Record<string, unknown>): string =>
  (line.request as { route: { prefix: string } }).route.prefix;

describeEtcd('journal in etcd', () => {
  let cluster: EtcdCluster;
  let etcd: EtcdClient;

  before(async () => {
    cluster = await startEtcdCluster();
    etcd = new EtcdClient({ endpoints: cluster.endpoints });
  });
  after(async () => {
    await etcd?.close();
    await cluster?.stop();
  });

  /** A stack whose server keeps its journal in etcd as node `node`. */
  const stackOf = (node: string): Promise<Stack> =>
    startStack({
      serverArgs: ['--journal', 'etcd', '--etcd', cluster.endpoints.join(','), '--node-name', node],
    });
  const entryKeys = async (node: string): Promise<number> =>
    (await etcd.getPrefix(`/vpp-rpc/journal/${node}/e/`, { keysOnly: true })).kvs.length;

  it('gives a host that lost its disk and its VPP its configuration back, under the same node name', async () => {
    const s = await stackOf('lost-host');
    try {
      await untilReady(s);
      assert.match(
        s.server.lines.find((l) => l.includes('gRPC server listening')) ?? '',
        /"journal":"etcd:\/vpp-rpc\/journal\/lost-host\/"/,
      );
      await configureNode(s, 2000, true);
      const before = await configurationOf(s, true);
      const status = await journalStatus(s);
      assert.equal(status.store, 'etcd');
      assert.equal(status.location, 'etcd:/vpp-rpc/journal/lost-host/');
      assert.equal(await entryKeys('lost-host'), Number(status.entries));

      // the host is lost: the server dies, its disk with it, and VPP comes back empty
      await s.server.kill();
      rmSync(s.stateDir, { recursive: true, force: true });
      await s.sim!.kill();
      await s.restartSim();
      const lostAt = Date.now();
      await s.restartServer();
      const replayed = await untilReplayed(s, lostAt);
      const report = replayed.last_replay as { items: string; failed_count: string; failed: unknown[] };
      assert.equal(Number(report.items), Number(status.entries));
      assert.equal(Number(report.failed_count), 0, JSON.stringify(report.failed.slice(0, 3)));
      assert.deepEqual(await configurationOf(s, true), before);
    } finally {
      await s.stop();
    }
  });

  it('goes on appending while one member of three is down, the leader or a follower', async () => {
    const s = await stackOf('one-member-down');
    try {
      await untilReady(s);
      await rest(s, 'Ip/IpTableAddDel', { is_add: true, table: { table_id: 7 } });
      const acknowledged: string[] = [];
      let i = 0;
      for (const role of ['leader', 'follower'] as const) {
        const leader = await cluster.leader();
        const victim = role === 'leader' ? leader : cluster.members.find((m) => m !== leader)!;
        await victim.kill();
        try {
          for (let n = 0; n < 20; n++, i++) {
            await rest(s, 'Ip/IpRouteAddDel', route(i));
            acknowledged.push(prefixOf({ request: route(i) }));
          }
        } finally {
          await cluster.restore();
        }
      }
      const kept = (await exportJournal(s)).filter((l) => l.rpc === 'Ip/IpRouteAddDel').map(prefixOf);
      assert.deepEqual(kept, acknowledged);
      assert.equal((await journalStatus(s)).state, 'ready');
    } finally {
      await s.stop();
    }
  });

  it('refuses writes while etcd is unreachable, naming it, never answers one it did not keep, and writes again once etcd is back', async () => {
    const s = await stackOf('etcd-away');
    try {
      await untilReady(s);
      await rest(s, 'Ip/IpTableAddDel', { is_add: true, table: { table_id: 7 } });
      const acknowledged: string[] = [];
      for (let i = 0; i < 5; i++) {
        await rest(s, 'Ip/IpRouteAddDel', route(i));
        acknowledged.push(prefixOf({ request: route(i) }));
      }
      await Promise.all(cluster.members.map((m) => m.kill()));
      let next = 5;
      try {
        // the journal checks between writes that etcd answers: it turns to refusing writes by itself
        await waitFor(
          'the journal refusing writes',
          async () => (await journalStatus(s)).state === 'journal_unwritable',
        );
        // from then on writes are refused before they reach VPP
        for (let n = 0; n < 3; n++) {
          const refused = await post(`${s.rest}/Ip/IpRouteAddDel/request`, route(next++));
          assert.equal(refused.status, 503, refused.text);
          assert.match(
            refused.text,
            /the journal cannot be written \(.*etcd is unreachable at .*\): writes are refused/,
          );
        }
        const inVpp = (await dump(s, 'Ip/IpRouteDump', { table: { table_id: 7 } })).map(
          (r) => (r.route as { prefix: string }).prefix,
        );
        assert.deepEqual(
          inVpp.filter((p) => p.startsWith('10.')),
          acknowledged,
          'VPP has the routes acknowledged, and none of those refused',
        );
        assert.equal((await journalStatus(s)).state, 'journal_unwritable');
        // reads are served
        assert.equal((await rest(s, 'Vpe/ShowVersion')).retval, 0);
      } finally {
        await cluster.restore();
      }
      await waitFor(
        'writes taken again',
        async () => {
          const i = next++;
          const r = await post(`${s.rest}/Ip/IpRouteAddDel/request`, route(i));
          if (r.status === 200) acknowledged.push(prefixOf({ request: route(i) }));
          else assert.equal(r.status, 503, r.text);
          return r.status === 200;
        },
        60_000,
      );
      const status = await journalStatus(s);
      assert.equal(status.state, 'ready');
      // what the journal serves is what was acknowledged, and what etcd holds
      const kept = (await exportJournal(s)).filter((l) => l.rpc === 'Ip/IpRouteAddDel').map(prefixOf);
      assert.deepEqual(kept, acknowledged);
      assert.equal(await entryKeys('etcd-away'), Number(status.entries));
    } finally {
      await s.stop();
    }
  });

  it('leaves no key behind for routes added and deleted again, and none after Clear', async () => {
    const s = await stackOf('compaction');
    try {
      await untilReady(s);
      await rest(s, 'Ip/IpTableAddDel', { is_add: true, table: { table_id: 7 } });
      const keysBefore = await entryKeys('compaction');
      assert.equal(keysBefore, 1);
      const added = await restBatch(
        s,
        'Ip/IpRouteAddDel',
        Array.from({ length: 500 }, (_, i) => route(i)),
      );
      assert.ok(added.every((a) => a.retval === 0));
      assert.equal(await entryKeys('compaction'), keysBefore + 500);
      const deleted = await restBatch(
        s,
        'Ip/IpRouteAddDel',
        Array.from({ length: 500 }, (_, i) => route(i, false)),
      );
      assert.ok(deleted.every((a) => a.retval === 0));
      assert.equal(await entryKeys('compaction'), keysBefore);
      assert.equal(Number((await journalStatus(s)).entries), keysBefore);

      await rest(s, 'Journal/Clear');
      assert.equal(await entryKeys('compaction'), 0);
      assert.equal((await exportJournal(s)).length, 0);
    } finally {
      await s.stop();
    }
  });
});
