/**
 * The journal's etcd store against a real etcd (one member on loopback):
 * groups split into transactions within etcd's limits, compaction deleting
 * keys, the owner guard, damage, and etcd going away and coming back.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { EtcdClient } from '../../lib/etcd/index.ts';
import { describeEtcd, startEtcdCluster, type EtcdCluster } from '../../test/support/etcd.ts';
import { waitFor } from '../../test/support/observe.ts';
import { EtcdStore, journalPrefix, MAX_TXN_BYTES, MAX_TXN_OPS } from './etcd-store.ts';
import { encodeEntry, encodeInstance, type JournalEntry, type JournalRecord } from './record.ts';
import { JournalStoreError, type StoreWrite } from './store.ts';

const entry = (seq: number, request = Buffer.from(`request ${seq}`)): JournalEntry => ({
  seq,
  rpc: '/vpp.ip.Ip/IpRouteAddDel',
  request,
  refs: [],
  allocated: undefined,
});

const write = (seqs: number[], forget: number[] = [], size?: number): StoreWrite => ({
  entries: seqs.map((seq) => ({
    seq,
    bytes: encodeEntry(entry(seq, size ? Buffer.alloc(size, seq & 255) : undefined)),
  })),
  forget,
});

/** Appends made in one turn of the event loop (one group): each one's outcome. */
const appendAll = (store: EtcdStore, writes: StoreWrite[]): Promise<(Error | undefined)[]> =>
  Promise.all(writes.map((w) => new Promise<Error | undefined>((resolve) => store.append(w, resolve))));

const seqsOf = (records: JournalRecord[]): number[] =>
  records.flatMap((r) => (r.type === 'entry' ? [r.entry.seq] : []));

describeEtcd('journal store in etcd', () => {
  let cluster: EtcdCluster;
  let etcd: EtcdClient;
  let node = 0;
  const clients: EtcdClient[] = [];
  /** a node of its own for each test */
  const nextNode = (): string => `store-test-${++node}`;
  const keysOf = async (name: string): Promise<string[]> =>
    (await etcd.getPrefix(`${journalPrefix(name)}e/`, { keysOnly: true })).kvs.map((kv) => kv.key);

  before(async () => {
    cluster = await startEtcdCluster({ size: 1 });
    etcd = new EtcdClient({ endpoints: cluster.endpoints });
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await etcd?.close();
    await cluster?.stop();
  });

  it('writes a group larger than one transaction (128 operations) in several, in order, and reads it back', async () => {
    const name = nextNode();
    const store = new EtcdStore(etcd, name);
    assert.deepEqual((await store.open()).records, []);
    assert.equal(store.where, `etcd:/vpp-rpc/journal/${name}/`);
    const outcomes = await appendAll(
      store,
      Array.from({ length: 300 }, (_, i) => write([i + 1])),
    );
    assert.deepEqual(outcomes, Array(300).fill(undefined));
    assert.equal(store.syncs.count, Math.ceil(300 / MAX_TXN_OPS));
    const keys = await keysOf(name);
    assert.equal(keys.length, 300);
    assert.equal(keys[0], `/vpp-rpc/journal/${name}/e/0000000000000001`);
    assert.equal(keys[299], `/vpp-rpc/journal/${name}/e/000000000000012c`);
    // another server of that name reads every entry, in seq order, a page at a time
    const again = new EtcdStore(etcd, name);
    const opened = await again.open();
    assert.deepEqual(
      seqsOf(opened.records),
      Array.from({ length: 300 }, (_, i) => i + 1),
    );
    assert.equal(again.bytes, store.bytes);
    await store.close();
    await again.close();
  });

  it('writes a group larger than 1 MiB in transactions under that size', async () => {
    const name = nextNode();
    const store = new EtcdStore(etcd, name);
    await store.open();
    // 12 entries of 200 KiB: 2.4 MiB, more than etcd takes in one request
    const outcomes = await appendAll(
      store,
      Array.from({ length: 12 }, (_, i) => write([i + 1], [], 200 * 1024)),
    );
    assert.deepEqual(outcomes, Array(12).fill(undefined));
    assert.ok(store.syncs.count >= Math.ceil((12 * 200 * 1024) / MAX_TXN_BYTES), `${store.syncs.count} transactions`);
    const records = await new EtcdStore(etcd, name).reread();
    assert.deepEqual(
      seqsOf(records),
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    const first = records[0]!;
    assert.equal(first.type === 'entry' && first.entry.request.length, 200 * 1024);
    // a record that fits in no request is refused, saying so
    const [big] = await appendAll(store, [write([13], [], MAX_TXN_BYTES)]);
    assert.ok(big instanceof JournalStoreError);
    assert.match(big.message, /a record of \d+ bytes does not fit in an etcd request/);
    await store.close();
  });

  it('keeps the live entries only: removed entries are deleted, put-and-removed ones never written', async () => {
    const name = nextNode();
    const store = new EtcdStore(etcd, name);
    await store.open();
    await appendAll(store, [write([1]), write([2]), write([3])]);
    assert.equal((await keysOf(name)).length, 3);
    // a later group removes 1 and 2; within one group, 5 is added and removed again
    await appendAll(store, [write([4], [1, 2]), write([5]), write([6], [5, 6])]);
    assert.deepEqual(await keysOf(name), [store.entryKey(3), store.entryKey(4)]);
    // a removal of more entries than one transaction takes
    await appendAll(
      store,
      Array.from({ length: 200 }, (_, i) => write([10 + i])),
    );
    const removed = Array.from({ length: 200 }, (_, i) => 10 + i);
    assert.deepEqual(await appendAll(store, [write([300], [3, 4, ...removed, 300])]), [undefined]);
    assert.deepEqual(await keysOf(name), []);
    assert.equal(store.bytes, 0);
    await store.close();
  });

  it('rewrites: entries gone deleted, changed ones put, the instance last', async () => {
    const name = nextNode();
    const store = new EtcdStore(etcd, name);
    await store.open();
    await appendAll(store, [
      write([1, 2, 3]),
      { entries: [], instance: encodeInstance({ pid: 1, boottime: 5 }), forget: [] },
    ]);
    const renumbered = encodeEntry({ ...entry(2), allocated: { sw_if_index: 7 } });
    const instance = encodeInstance({ pid: 2, boottime: 6 });
    let upTo = -1;
    await store.rewrite((n) => {
      upTo = n;
      return [renumbered, encodeEntry(entry(3)), instance];
    });
    assert.equal(upTo, 3);
    const records = await new EtcdStore(etcd, name).reread();
    assert.deepEqual(records, [
      { type: 'entry', entry: { ...entry(2), allocated: { sw_if_index: 7 } } },
      { type: 'entry', entry: entry(3) },
      { type: 'instance', instance: { pid: 2, boottime: 6 } },
    ]);
    await store.close();
  });

  it('lets one server write a journal: the one that opened it last; the other is told who took it over', async () => {
    const name = nextNode();
    const first = new EtcdStore(etcd, name);
    await first.open();
    assert.deepEqual(await appendAll(first, [write([1])]), [undefined]);
    const second = new EtcdStore(etcd, name);
    const opened = await second.open();
    // same host: a restart, not a takeover worth a warning
    assert.deepEqual(opened.warnings, []);
    assert.deepEqual(seqsOf(opened.records), [1]);
    const [refused] = await appendAll(first, [write([2])]);
    assert.ok(refused instanceof JournalStoreError);
    assert.match(
      refused.message,
      new RegExp(
        `the journal of node ${name} in etcd was taken over by the server on host .* \\(pid ${process.pid}, started `,
      ),
    );
    assert.equal(await first.recover(), false);
    assert.deepEqual(await appendAll(second, [write([3])]), [undefined]);
    assert.deepEqual(seqsOf(await second.reread()), [1, 3]);

    // a server of another host wrote it last: the takeover is said
    await etcd.put(
      `${journalPrefix(name)}owner`,
      JSON.stringify({ host: 'lost-host', pid: 7, started: 'then', id: 'x' }),
    );
    const third = new EtcdStore(etcd, name);
    const w = (await third.open()).warnings;
    assert.equal(w.length, 1);
    assert.match(
      w[0]!,
      /last written by the server on host lost-host \(pid 7, started then\): this server takes it over/,
    );
    await Promise.all([first.close(), second.close(), third.close()]);
  });

  it('does not open a journal with a damaged key, and names it', async () => {
    const name = nextNode();
    const store = new EtcdStore(etcd, name);
    await store.open();
    await appendAll(store, [write([1, 2])]);
    const key = store.entryKey(2);
    const bytes = encodeEntry(entry(2));
    bytes[bytes.length - 1]! ^= 1;
    await etcd.put(key, bytes);
    await assert.rejects(new EtcdStore(etcd, name).open(), (e: Error) => {
      assert.ok(e instanceof JournalStoreError);
      assert.match(
        e.message,
        new RegExp(`key ${key} in etcd holds no valid entry \\(a record whose checksum does not match\\)`),
      );
      return true;
    });
    await etcd.put(key, encodeEntry(entry(3)));
    await assert.rejects(
      new EtcdStore(etcd, name).open(),
      /holds no valid entry \(the entry of seq 3, under another key\)/,
    );
    await store.close();
  });

  it('fails appends while etcd is away, naming it, and takes them again once it is back', async () => {
    const name = nextNode();
    const client = new EtcdClient({ endpoints: cluster.endpoints, requestTimeoutMs: 1000 });
    clients.push(client);
    const store = new EtcdStore(client, name);
    await store.open();
    await appendAll(store, [write([1])]);
    await cluster.members[0]!.stop();
    // the client's pauses between tries do not hold the event loop; this hang guard does
    const guard = setTimeout(() => assert.fail('appends while etcd is away: still pending after 60 s'), 60_000);
    try {
      const [err] = await appendAll(store, [write([2])]);
      assert.ok(err instanceof JournalStoreError);
      assert.match(
        err.message,
        /^cannot write the journal etcd:\/vpp-rpc\/journal\/store-test-\d+\/: .*etcd is unreachable at 127\.0\.0\.1:\d+/,
      );
      // failed until recovered: no second write is tried
      const [again] = await appendAll(store, [write([3])]);
      assert.equal(again, err);
      assert.equal(await store.recover(), false);
    } finally {
      clearTimeout(guard);
      await cluster.restore();
    }
    await waitFor('the store writable again', () => store.recover(), 30_000);
    assert.deepEqual(seqsOf(await store.reread()), [1]);
    assert.deepEqual(await appendAll(store, [write([4])]), [undefined]);
    assert.deepEqual(seqsOf(await store.reread()), [1, 4]);
    await store.close();
  });
});
