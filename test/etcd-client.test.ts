/**
 * The etcd client against a real 3-member etcd cluster on loopback: keys,
 * transactions, leases and watches, and what happens when members die, hang
 * or all go away.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, it } from 'node:test';
import {
  EtcdClient,
  EtcdCompactedError,
  EtcdError,
  EtcdUnavailableError,
  type EtcdOptions,
  type WatchEvent,
} from '../lib/etcd/index.ts';
import { describeEtcd, startEtcdCluster, type EtcdCluster, type EtcdMember } from './support/etcd.ts';
import { waitFor } from './support/observe.ts';

/** Hang guard: the time a call may take beyond its own request time before the test calls it a hang. */
const SLACK_MS = 10_000;

/** The promise's outcome, or a rejection when it has not settled within `ms` (a hang). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms);
  });
  return Promise.race([p, hang]).finally(() => clearTimeout(timer));
}

/** The error a call rejects with, within the hang guard; fails the test when it resolves. */
async function failure(p: Promise<unknown>, ms: number, what: string): Promise<EtcdError> {
  const outcome = await within(
    p.then(
      (v) => ({ ok: true as const, v }),
      (e: unknown) => ({ ok: false as const, e }),
    ),
    ms,
    what,
  );
  assert.equal(outcome.ok, false, `${what} should fail`);
  const e = (outcome as { e: unknown }).e;
  assert.ok(e instanceof EtcdError, `${what}: ${String(e)}`);
  return e;
}

const text = (b: Buffer | undefined): string | undefined => b?.toString('utf8');

describeEtcd('etcd client', () => {
  let cluster: EtcdCluster;
  let client: EtcdClient;
  let extra: EtcdClient[] = [];

  /** A client closed after the test. */
  const newClient = (opts: Partial<EtcdOptions> = {}): EtcdClient => {
    const c = new EtcdClient({ endpoints: cluster.endpoints, ...opts });
    extra.push(c);
    return c;
  };

  /** A member that is not the leader. */
  const follower = async (): Promise<EtcdMember> => {
    const leader = await cluster.leader();
    return cluster.members.find((m) => m !== leader)!;
  };

  /** Endpoints with `first` first: a client talks to it until it fails. */
  const startingWith = (first: EtcdMember): string[] => [
    first.endpoint,
    ...cluster.endpoints.filter((e) => e !== first.endpoint),
  ];

  before(async () => {
    cluster = await startEtcdCluster();
    client = new EtcdClient({ endpoints: cluster.endpoints });
  });

  after(async () => {
    await client?.close();
    await cluster?.stop();
  });

  afterEach(async () => {
    await Promise.all(extra.map((c) => c.close()));
    extra = [];
    await cluster.restore();
  });

  it('puts, gets and deletes keys and prefixes', async () => {
    const first = await client.put('kv/a', 'one');
    const kv = await client.get('kv/a');
    assert.deepEqual(kv && { ...kv, value: text(kv.value) }, {
      key: 'kv/a',
      value: 'one',
      createRevision: first.revision,
      modRevision: first.revision,
      version: 1,
      lease: '0',
    });
    const second = await client.put('kv/a', 'two');
    const again = await client.get('kv/a');
    assert.equal(again?.createRevision, first.revision);
    assert.equal(again?.modRevision, second.revision);
    assert.equal(again?.version, 2);
    assert.equal(await client.get('kv/missing'), undefined);

    await client.put('kv/b', Buffer.from([0, 255, 1]));
    await client.put('kv/c', '');
    await client.put('kv/é', 'accent');
    await client.put('kv0', 'beside the prefix');
    assert.deepEqual((await client.get('kv/b'))?.value, Buffer.from([0, 255, 1]));
    assert.deepEqual((await client.get('kv/c'))?.value, Buffer.alloc(0));

    const all = await client.getPrefix('kv/');
    assert.deepEqual(
      all.kvs.map((k) => k.key),
      ['kv/a', 'kv/b', 'kv/c', 'kv/é'],
    );
    assert.ok(all.revision >= second.revision);
    assert.equal(all.more, false);
    const keys = await client.getPrefix('kv/', { keysOnly: true });
    assert.deepEqual(
      keys.kvs.map((k) => [k.key, k.value.length]),
      [
        ['kv/a', 0],
        ['kv/b', 0],
        ['kv/c', 0],
        ['kv/é', 0],
      ],
    );
    const two = await client.getPrefix('kv/', { limit: 2 });
    assert.deepEqual(
      two.kvs.map((k) => k.key),
      ['kv/a', 'kv/b'],
    );
    assert.equal(two.more, true);

    const del = await client.delete('kv/a');
    assert.equal(del.deleted, 1);
    assert.ok(del.revision > all.revision);
    assert.equal((await client.delete('kv/a')).deleted, 0);
    assert.equal((await client.deletePrefix('kv/')).deleted, 3);
    assert.deepEqual((await client.getPrefix('kv/')).kvs, []);
    assert.equal(text((await client.get('kv0'))?.value), 'beside the prefix');
  });

  it('reads a prefix page by page from a key on, and refuses a start outside the prefix', async () => {
    const keys = Array.from({ length: 25 }, (_, i) => `pages/${i.toString(16).padStart(4, '0')}`);
    for (const k of keys) await client.put(k, k);
    await client.put('pages0', 'beside the prefix');
    const read: string[] = [];
    let from: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await client.getPrefix('pages/', { limit: 10, ...(from ? { from } : {}) });
      pages++;
      read.push(...page.kvs.map((kv) => kv.key));
      for (const kv of page.kvs) assert.equal(text(kv.value), kv.key);
      if (!page.more) break;
      from = page.kvs.at(-1)!.key + '\0';
    }
    assert.deepEqual(read, keys);
    assert.equal(pages, 3);
    const inside = await client.txn({
      success: [{ type: 'getPrefix', prefix: 'pages/', from: keys[20], keysOnly: true }],
    });
    const range = inside.responses[0];
    assert.deepEqual(range?.type === 'get' && range.kvs.map((kv) => kv.key), keys.slice(20));
    await assert.rejects(client.getPrefix('pages/', { from: 'other/1' }), (e: Error) => {
      assert.ok(e instanceof EtcdError);
      assert.match(e.message, /from must be a key under the prefix "pages\/", got "other\/1"/);
      return true;
    });
    await client.deletePrefix('pages');
  });

  it('stores values up to the request limit and refuses larger ones clearly', async () => {
    const mib = Buffer.alloc(1024 * 1024, 7);
    await client.put('big/1m', mib);
    assert.deepEqual((await client.get('big/1m'))?.value, mib);
    const e = await failure(client.put('big/2m', Buffer.alloc(2 * 1024 * 1024)), 3000 + SLACK_MS, 'a 2 MiB put');
    assert.match(e.message, /^etcd: put of key "big\/2m" at 127\.0\.0\.1:\d+: /);
    assert.equal(e.key, 'big/2m');
    assert.equal(e.outcomeUnknown, false);
    assert.equal(await client.get('big/2m'), undefined);
  });

  it('claims a name only while it is free (txn on createRevision), and swaps on modRevision and value', async () => {
    const claim = (owner: string) =>
      client.txn({
        compare: [{ key: 'names/svc', target: 'createRevision', value: 0 }],
        success: [{ type: 'put', key: 'names/svc', value: owner }],
        failure: [{ type: 'get', key: 'names/svc' }],
      });
    const won = await claim('a');
    assert.equal(won.succeeded, true);
    assert.deepEqual(won.responses, [{ type: 'put' }]);
    const lost = await claim('b');
    assert.equal(lost.succeeded, false);
    const seen = lost.responses[0];
    assert.equal(seen?.type, 'get');
    assert.equal(seen.type === 'get' ? text(seen.kvs[0]?.value) : '', 'a');

    const cur = (await client.get('names/svc'))!;
    const swap = (modRevision: number) =>
      client.txn({
        compare: [{ key: 'names/svc', target: 'modRevision', value: modRevision }],
        success: [{ type: 'put', key: 'names/svc', value: 'a2' }],
      });
    const swapped = await swap(cur.modRevision);
    assert.equal(swapped.succeeded, true);
    assert.equal((await swap(cur.modRevision)).succeeded, false, 'a stale modRevision must not swap');

    const release = await client.txn({
      compare: [{ key: 'names/svc', target: 'value', value: 'a2' }],
      success: [{ type: 'delete', key: 'names/svc' }],
    });
    assert.deepEqual(release.responses, [{ type: 'delete', deleted: 1 }]);
    assert.equal(await client.get('names/svc'), undefined);
  });

  it('refuses a txn of more operations than etcd allows (128) with etcd’s reason', async () => {
    const ops = Array.from({ length: 129 }, (_, i) => ({ type: 'put' as const, key: `many/${i}`, value: 'x' }));
    const e = await failure(client.txn({ success: ops }), 3000 + SLACK_MS, 'a txn of 129 puts');
    assert.match(e.message, /too many operations in txn request/);
    assert.equal(e.outcomeUnknown, false);
    assert.deepEqual((await client.getPrefix('many/')).kvs, []);
  });

  it('drops a key with its lease when the lease is revoked', async () => {
    const lease = await client.grantLease(10);
    assert.equal(lease.ttl, 10);
    let lost = 0;
    lease.on('lost', () => lost++);
    await client.put('lease/revoked', 'x', { lease: lease.id });
    assert.equal((await client.get('lease/revoked'))?.lease, lease.id);
    const live = await client.leaseTimeToLive(lease.id);
    assert.deepEqual(live.keys, ['lease/revoked']);
    assert.equal(live.grantedTtl, 10);
    await lease.revoke();
    assert.equal(await client.get('lease/revoked'), undefined);
    assert.equal((await client.leaseTimeToLive(lease.id)).ttl, -1);
    await lease.revoke(); // once more: etcd no longer knows it, which is what revoke wants
    assert.equal(lost, 0);
  });

  it('drops a key after the ttl once its lease is no longer kept alive', async () => {
    const lease = await client.grantLease(2);
    let lost = 0;
    lease.on('lost', () => lost++);
    await client.put('lease/expiring', 'x', { lease: lease.id });
    lease.close();
    await waitFor('the key of a lease left to expire to go', async () => !(await client.get('lease/expiring')), 30_000);
    assert.equal((await client.leaseTimeToLive(lease.id)).ttl, -1);
    assert.equal(lost, 0, 'a closed lease is not lost');
  });

  it("says 'lost' once when etcd no longer knows the lease", async () => {
    const lease = await client.grantLease(3);
    const lost: Error[] = [];
    lease.on('lost', (e: Error) => lost.push(e));
    await client.put('lease/taken', 'x', { lease: lease.id });
    await newClient().revokeLease(lease.id);
    await waitFor("'lost'", () => lost.length > 0, 30_000);
    assert.match(lost[0]!.message, new RegExp(`^etcd: lease ${lease.id} is lost: etcd says it has expired`));
    assert.equal(await client.get('lease/taken'), undefined);
    await client.put('lease/after', 'x'); // time for a second 'lost', were there one
    assert.equal(lost.length, 1);
  });

  it('keeps a lease alive across the kill of the member its keep-alives go to', async () => {
    const ttl = 5;
    const lease = await client.grantLease(ttl);
    const lost: Error[] = [];
    lease.on('lost', (e: Error) => lost.push(e));
    const answers: number[] = [];
    lease.on('keepalive', () => answers.push(Date.now()));
    await client.put('lease/kept', 'x', { lease: lease.id });
    await waitFor('a first keep-alive', () => answers.length > 0);
    const victim = cluster.member(lease.endpoint!);
    const killedAt = Date.now();
    await victim.kill();
    // renewed for longer than its ttl after the kill: only another member can have done it
    await waitFor(
      'keep-alives for longer than the ttl after the kill',
      () => lost.length > 0 || answers.some((t) => t > killedAt + ttl * 1000),
      60_000,
    );
    assert.deepEqual(
      lost.map((e) => e.message),
      [],
    );
    assert.notEqual(lease.endpoint, victim.endpoint);
    assert.equal((await client.get('lease/kept'))?.lease, lease.id);
    await lease.revoke();
  });

  it('delivers puts and deletes with the previous value, in order', async () => {
    const from = (await client.getPrefix('events/')).revision + 1;
    const events: WatchEvent[] = [];
    const revisions: number[] = [];
    const w = client.watchPrefix('events/', { fromRevision: from }, (evs, rev) => {
      events.push(...evs);
      revisions.push(rev);
    });
    await client.put('events/a', '1');
    await client.put('events/a', '2');
    await client.put('events-not', 'outside the prefix');
    await client.delete('events/a');
    await waitFor('three events', () => events.length >= 3);
    w.close();
    assert.deepEqual(
      events.map((e) => [e.type, e.kv.key, text(e.kv.value), e.kv.version, text(e.prevKv?.value)]),
      [
        ['put', 'events/a', '1', 1, undefined],
        ['put', 'events/a', '2', 2, '1'],
        ['delete', 'events/a', '', 0, '2'],
      ],
    );
    assert.ok(revisions.every((r) => r >= from));
  });

  it('sees every event once, in order, across the kill of the member it watches through', async () => {
    const from = (await client.getPrefix('watch/')).revision + 1;
    const events: WatchEvent[] = [];
    const errors: Error[] = [];
    const w = client.watchPrefix('watch/', { fromRevision: from }, (evs) => events.push(...evs));
    w.on('error', (e: Error) => errors.push(e));
    const writer = newClient();
    const failed: string[] = [];
    let victim: EtcdMember | undefined;
    for (let i = 0; i < 60; i++) {
      if (i === 20) {
        await waitFor('the watch to deliver', () => events.length > 0);
        victim = cluster.member(w.endpoint!);
        await victim.kill();
      }
      // a write that fails while a member dies may or may not be applied: etcd's contents decide below
      await writer.put(`watch/${String(i).padStart(2, '0')}`, String(i)).catch((e: Error) => failed.push(e.message));
    }
    const final = await writer.getPrefix('watch/');
    const last = Math.max(...final.kvs.map((k) => k.modRevision));
    await waitFor(
      'the watch to catch up',
      () => events.length > 0 && events[events.length - 1]!.kv.modRevision >= last,
      30_000,
    );
    w.close();
    const revs = events.map((e) => e.kv.modRevision);
    assert.ok(
      revs.every((r, i) => i === 0 || r > revs[i - 1]!),
      `revisions in order, each once: ${revs.join(' ')}`,
    );
    assert.deepEqual(
      events.map((e) => [e.type, e.kv.key, e.kv.modRevision]),
      final.kvs.map((k) => ['put', k.key, k.modRevision]),
      `failed writes: ${failed.join('; ')}`,
    );
    assert.ok(final.kvs.length >= 60 - failed.length);
    assert.notEqual(w.endpoint, victim!.endpoint);
    assert.deepEqual(errors, []);
  });

  it('fails over at once when the member it talks to is killed', async () => {
    const victim = await follower();
    const c = newClient({ endpoints: startingWith(victim) });
    await c.get('failover/x');
    assert.equal(c.endpoint, victim.endpoint);
    await victim.kill();
    // the very next write and read go to another member
    const put = await c.put('failover/a', '1');
    assert.ok(put.revision > 0);
    assert.notEqual(c.endpoint, victim.endpoint);
    assert.equal(text((await c.get('failover/a'))?.value), '1');
  });

  it('settles every call while the leader it talks to is killed, and writes again once a new one leads', async () => {
    const victim = await cluster.leader();
    const c = newClient({ endpoints: startingWith(victim), requestTimeoutMs: 2000 });
    await c.get('leader/x');
    await victim.kill();
    const errors: string[] = [];
    await waitFor(
      'a write after the leader died',
      async () => {
        const outcome = await within(
          c.put('leader/a', '1').then(
            () => undefined,
            (e: unknown) => e,
          ),
          2000 + SLACK_MS,
          'a write while the leader is gone',
        );
        if (outcome === undefined) return true;
        assert.ok(outcome instanceof EtcdError, String(outcome));
        // a write held by a member while the leader fails: unknown outcome, never a hang
        assert.ok(outcome.outcomeUnknown || outcome instanceof EtcdUnavailableError, outcome.message);
        errors.push(outcome.message);
        return false;
      },
      60_000,
    );
    assert.equal(text((await c.get('leader/a'))?.value), '1', errors.join('; '));
  });

  for (const role of ['follower', 'leader'] as const) {
    it(`does not hang on a frozen ${role} (SIGSTOP)`, async () => {
      const victim = role === 'leader' ? await cluster.leader() : await follower();
      const c = newClient({ endpoints: startingWith(victim), requestTimeoutMs: 2000 });
      await c.get('frozen/x');
      await victim.freeze();
      const errors: string[] = [];
      let done = false;
      await waitFor(
        `a read and a write with a frozen ${role}`,
        async () => {
          const calls = [c.get('frozen/x'), c.put('frozen/x', role)];
          const outcomes = await Promise.all(
            calls.map((p) =>
              within(
                p.then(
                  () => undefined,
                  (e: unknown) => e,
                ),
                2000 + SLACK_MS,
                `a call with a frozen ${role}`,
              ),
            ),
          );
          for (const e of outcomes) {
            if (e === undefined) continue;
            assert.ok(e instanceof EtcdError, String(e));
            errors.push(e.message);
          }
          done = outcomes.every((e) => e === undefined);
          return done;
        },
        60_000,
      );
      assert.ok(done, errors.join('; '));
      assert.notEqual(c.endpoint, victim.endpoint);
    });
  }

  it('reports a write sent to a member that then hangs as of unknown outcome, not retried', async () => {
    const victim = await follower();
    const c = newClient({ endpoints: [victim.endpoint], requestTimeoutMs: 1500 });
    await c.get('unknown/x');
    // sent, without a Status first, to a member that answered a moment ago and has stopped since
    await victim.freeze();
    const put = c.put('unknown/a', 'v');
    const e = await failure(put, 1500 + SLACK_MS, 'a write to a frozen member');
    assert.equal(e.outcomeUnknown, true, e.message);
    assert.equal(e.endpoint, victim.endpoint);
    assert.equal(e.key, 'unknown/a');
    assert.match(
      e.message,
      /^etcd: put of key "unknown\/a" at .* failed after it was sent \(.*\): etcd may or may not have applied it$/,
    );
    victim.thaw();
    await waitFor(
      'the member to answer again',
      () =>
        c.get('unknown/x').then(
          () => true,
          () => false,
        ),
      30_000,
    );
  });

  it('fails every call with EtcdUnavailableError within its time when all members are down, and works once they are back', async () => {
    const c = newClient({ requestTimeoutMs: 1500 });
    const from = (await c.getPrefix('outage/')).revision + 1;
    const events: WatchEvent[] = [];
    const w = c.watchPrefix('outage/', { fromRevision: from }, (evs) => events.push(...evs));
    await c.put('outage/before', '1');
    await waitFor('the event before the outage', () => events.length === 1);
    for (const m of cluster.members) await m.kill();

    const unreachable = `etcd is unreachable at ${cluster.endpoints.join(', ')}: `;
    const calls: [string, () => Promise<unknown>][] = [
      ['get', () => c.get('outage/x')],
      ['getPrefix', () => c.getPrefix('outage/')],
      ['put', () => c.put('outage/x', 'y')],
      ['delete', () => c.delete('outage/x')],
      ['txn', () => c.txn({ success: [{ type: 'put', key: 'outage/x', value: 'y' }] })],
      ['grantLease', () => c.grantLease(5)],
      ['ping', () => c.ping()],
    ];
    const errors = await Promise.all(
      calls.map(([name, call]) => failure(call(), 1500 + SLACK_MS, `${name} with every member down`)),
    );
    for (const [i, e] of errors.entries()) {
      const name = calls[i]![0];
      assert.ok(e instanceof EtcdUnavailableError, `${name}: ${e.message}`);
      assert.ok(e.message.startsWith(unreachable), e.message);
      assert.equal(e.outcomeUnknown, false, `${name}: nothing was sent`);
    }

    for (const m of cluster.members) m.start();
    await cluster.untilHealthy();
    await waitFor(
      'a read once the members are back',
      () =>
        c.get('outage/x').then(
          () => true,
          () => false,
        ),
      30_000,
    );
    await c.put('outage/after', '2');
    await waitFor('the watch to resume', () => events.length === 2, 30_000);
    w.close();
    assert.deepEqual(
      events.map((e) => e.kv.key),
      ['outage/before', 'outage/after'],
    );
  });

  it('stops a watch that must resume from a compacted revision, with a clear error', async () => {
    const first = await client.put('compact/a', '1');
    await client.put('compact/a', '2');
    const third = await client.put('compact/a', '3');
    await client.compact(third.revision);
    let delivered = 0;
    const w = client.watchPrefix('compact/', { fromRevision: first.revision }, () => delivered++);
    const e = await within(
      new Promise<Error>((resolve) => w.once('error', resolve)),
      3000 + SLACK_MS,
      "the watch's error",
    );
    assert.ok(e instanceof EtcdCompactedError, String(e));
    assert.equal(e.compactRevision, third.revision);
    assert.match(
      e.message,
      /^etcd: the watch of prefix "compact\/" cannot go on from revision \d+: etcd compacted its history up to revision \d+/,
    );
    assert.equal(delivered, 0);
    assert.equal(w.endpoint, undefined, 'the watch has stopped');
  });
});
