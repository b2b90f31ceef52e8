/**
 * The nodes of --etcd against a real etcd (one member on loopback): read,
 * then watched; a value that does not parse logged once and skipped; the
 * registry read again, and the directory reconciled, when etcd compacted the
 * history the watch needed.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, it } from 'node:test';
import { pino } from 'pino';
import { EtcdClient } from '../../lib/etcd/index.ts';
import { formatRegistration, nodeKey } from '../../lib/fleet/registration.ts';
import { describeEtcd, startEtcdCluster, type EtcdCluster } from '../../test/support/etcd.ts';
import { waitFor } from '../../test/support/wait.ts';
import { NodeDirectory } from './directory.ts';
import { EtcdSource } from './etcd-source.ts';

const value = (name: string, state = 'ready'): string =>
  formatRegistration({ name, grpc: `10.0.0.${name.length}:9111`, state });

describeEtcd('nodes of etcd', () => {
  let cluster: EtcdCluster;
  let etcd: EtcdClient;

  before(async () => {
    cluster = await startEtcdCluster({ size: 1 });
    etcd = new EtcdClient({ endpoints: cluster.endpoints });
  });
  after(async () => {
    await etcd?.close();
    await cluster?.stop();
  });

  it('reads, watches, skips what does not parse once, and reconciles after a compaction', async () => {
    await etcd.put(nodeKey('a'), value('a'));
    await etcd.put(nodeKey('bad'), 'not json');
    const warnings: string[] = [];
    const messages: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
          const l = JSON.parse(line) as { level: number; key?: string; msg: string };
          if (l.level === 40 && l.key) warnings.push(l.key);
          messages.push(l.msg);
        }
        done();
      },
    });
    const directory = new NodeDirectory();
    const client = new EtcdClient({ endpoints: cluster.endpoints });
    const source = new EtcdSource(client, pino({ level: 'info' }, sink));
    try {
      assert.match(source.pending() ?? '', /is not read yet/);
      source.start(directory);
      await waitFor('the registry read', () => source.pending() === undefined);
      assert.deepEqual(directory.names(), ['a']);
      assert.deepEqual(warnings, [nodeKey('bad')]);

      await etcd.put(nodeKey('b'), value('b', 'replaying'));
      await waitFor('b added', () => directory.get('b')?.state === 'replaying');
      // a value that stops parsing leaves the node as it was last read well
      await etcd.put(nodeKey('b'), '{"grpc":"h:1"}');
      await waitFor('the bad value logged', () => warnings.length === 2);
      assert.equal(directory.get('b')?.state, 'replaying');
      await etcd.delete(nodeKey('a'));
      await waitFor('a removed', () => directory.get('a') === undefined);

      // the watch cut off while the history it needs is compacted
      await cluster.members[0]!.stop();
      cluster.members[0]!.start();
      await cluster.untilHealthy();
      // etcd restarted: the watch resumes, before or (most often) after the history it needs is compacted;
      // either way the directory ends as the registry is
      await etcd.put(nodeKey('c'), value('c'));
      const { revision } = await etcd.delete(nodeKey('b'));
      await etcd.compact(revision);
      await waitFor('c in, b out', () => directory.names().join() === 'c', 20_000);
      // most often the watch resumes after the compaction, and the registry is read again
      console.log(`# log of the source: ${messages.join('; ')}`);
    } finally {
      source.close();
      await client.close();
    }
  });
});
