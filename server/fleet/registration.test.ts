/**
 * A node's registration against a real etcd (one member on loopback): the
 * name claimed once, rewritten only while it is this server's, waited for
 * when a dead server's key still holds it, refused when a live one does, and
 * claimed again when etcd comes back or the lease is lost.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, afterEach, before, it } from 'node:test';
import { pino } from 'pino';
import { EtcdClient } from '../../lib/etcd/index.ts';
import { formatRegistration, nodeKey, parseRegistration, type NodeRecord } from '../../lib/fleet/registration.ts';
import { describeEtcd, startEtcdCluster, type EtcdCluster } from '../../test/support/etcd.ts';
import { settles, waitFor } from '../../test/support/wait.ts';
import { NameTakenError, Registration } from './registration.ts';

/** The lease's TTL: etcd's least (it raises shorter ones). */
const TTL = 2;
/** Hang guard of a wait that spans a few lease TTLs. */
const GUARD_MS = 20_000;

/** A logger whose lines the test reads. */
function capturingLog(): { log: pino.Logger; lines: { level: number; msg: string }[] } {
  const lines: { level: number; msg: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as { level: number; msg: string });
      done();
    },
  });
  return { log: pino({ level: 'debug' }, sink), lines };
}

const record = (name: string, grpc: string, state = 'ready'): NodeRecord => ({
  name,
  grpc,
  state,
  started: '2026-01-01T10:00:00.000Z',
});

describeEtcd('node registration', () => {
  let cluster: EtcdCluster;
  let etcd: EtcdClient;
  const open: Registration[] = [];
  const clients: EtcdClient[] = [];

  const newClient = (): EtcdClient => {
    const c = new EtcdClient({ endpoints: cluster.endpoints, requestTimeoutMs: 1000 });
    clients.push(c);
    return c;
  };
  const register = (name: string, value: () => string, client = newClient()) => {
    const { log, lines } = capturingLog();
    const r = new Registration({
      etcd: client,
      name,
      ttlSeconds: TTL,
      value,
      log,
      backoffMs: { first: 100, last: 500 },
      expiryMarginMs: 1000,
    });
    open.push(r);
    return { r, lines, client };
  };
  const valueOf = async (name: string): Promise<NodeRecord | undefined> => {
    const kv = await etcd.get(nodeKey(name));
    return kv && parseRegistration(kv.value.toString('utf8'), name);
  };

  before(async () => {
    cluster = await startEtcdCluster({ size: 1 });
    etcd = new EtcdClient({ endpoints: cluster.endpoints });
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((r) => r.close()));
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await cluster.restore();
    await etcd.deletePrefix('/vpp-rpc/');
  });
  after(async () => {
    await etcd?.close();
    await cluster?.stop();
  });

  it('claims the name, rewrites it when the value changes, and removes it on close', async () => {
    let state = 'connecting';
    const { r, lines } = register('n1', () => formatRegistration(record('n1', '127.0.0.1:1', state)));
    await r.start();
    assert.equal(r.registered, true);
    assert.equal((await valueOf('n1'))?.state, 'connecting');
    assert.ok(lines.some((l) => l.msg === 'registered in etcd as n1'));
    const created = (await etcd.get(nodeKey('n1')))!.createRevision;

    state = 'ready';
    r.changed();
    await waitFor('the key says ready', async () => (await valueOf('n1'))?.state === 'ready', GUARD_MS);
    assert.equal((await etcd.get(nodeKey('n1')))!.createRevision, created, 'rewritten, not created again');

    await r.close();
    assert.equal(await etcd.get(nodeKey('n1')), undefined, 'gone at once');
  });

  it('refuses a name that a live server holds, after waiting one lease TTL, naming the holder', async () => {
    const first = register('n2', () => formatRegistration(record('n2', '10.0.0.1:9111')));
    await first.r.start();
    const second = register('n2', () => formatRegistration(record('n2', '10.0.0.2:9111')));
    const err = await settles(
      'the second claim',
      second.r.start().then(
        () => undefined,
        (e: unknown) => e,
      ),
      GUARD_MS,
    );
    assert.ok(err instanceof NameTakenError, String(err));
    assert.match(
      err.message,
      /^node name n2 is taken: \/vpp-rpc\/nodes\/n2 is held by the server at 10\.0\.0\.1:9111, started 2026-01-01T10:00:00\.000Z, whose lease is kept alive; stop that server, or give this one another --node-name$/,
    );
    assert.ok(second.lines.some((l) => /^node name n2 is held: waiting up to/.test(l.msg)));
    assert.equal((await valueOf('n2'))?.grpc, '10.0.0.1:9111', "the holder's key is untouched");
  });

  it("takes a name whose holder died, once the holder's lease expires", async () => {
    // a server killed with -9: its lease is no longer kept alive
    const dead = await newClient().grantLease(TTL);
    dead.close();
    await etcd.put(nodeKey('n3'), formatRegistration(record('n3', '10.0.0.1:9111')), { lease: dead.id });
    const { r } = register('n3', () => formatRegistration(record('n3', '10.0.0.3:9111')));
    await settles('the claim', r.start(), GUARD_MS);
    assert.equal((await valueOf('n3'))?.grpc, '10.0.0.3:9111');
  });

  it('serves without etcd: registers in the background once etcd answers', async () => {
    await cluster.members[0]!.stop();
    const { r, lines } = register('n4', () => formatRegistration(record('n4', '10.0.0.4:9111')));
    await settles('start without etcd', r.start(), GUARD_MS);
    assert.equal(r.registered, false);
    assert.equal(lines.filter((l) => l.level === 40 && /^not registered in etcd as n4/.test(l.msg)).length, 1);
    await cluster.restore();
    await waitFor('registered once etcd is back', () => r.registered, GUARD_MS);
    assert.equal((await valueOf('n4'))?.grpc, '10.0.0.4:9111');
    // warned of once while etcd was away, however many attempts failed
    assert.equal(lines.filter((l) => l.level === 40).length, 1, JSON.stringify(lines));
  });

  it('registers again when its lease is lost', async () => {
    const { r } = register('n5', () => formatRegistration(record('n5', '10.0.0.5:9111')));
    await r.start();
    const before = (await etcd.get(nodeKey('n5')))!;
    const lost = new Promise((resolve) => r.once('lost', resolve));
    // etcd ends the lease (as when it expired while etcd was away): the key goes with it
    await etcd.revokeLease(before.lease);
    await settles('the lease lost', lost, GUARD_MS);
    await waitFor('registered again', async () => (await etcd.get(nodeKey('n5')))?.lease !== undefined, GUARD_MS);
    const again = (await etcd.get(nodeKey('n5')))!;
    assert.notEqual(again.lease, before.lease);
    assert.ok(again.createRevision > before.createRevision);
  });

  it("never overwrites another server's claim made meanwhile", async () => {
    let state = 'connecting';
    const { r, lines } = register('n6', () => formatRegistration(record('n6', '10.0.0.6:9111', state)));
    await r.start();
    // the key deleted and claimed by another server while this one was cut off
    await etcd.delete(nodeKey('n6'));
    const other = await newClient().grantLease(TTL);
    await etcd.put(nodeKey('n6'), formatRegistration(record('n6', '10.0.0.7:9111')), { lease: other.id });
    state = 'ready';
    r.changed();
    await waitFor('the refusal logged', () => lines.some((l) => l.level === 50), GUARD_MS);
    assert.match(lines.find((l) => l.level === 50)!.msg, /^not registered in etcd as n6/);
    assert.equal(r.registered, false);
    assert.equal((await valueOf('n6'))?.grpc, '10.0.0.7:9111');
    await other.revoke();
    await waitFor('claimed once the other server left', () => r.registered, GUARD_MS);
    assert.deepEqual([(await valueOf('n6'))?.grpc, (await valueOf('n6'))?.state], ['10.0.0.6:9111', 'ready']);
  });
});
