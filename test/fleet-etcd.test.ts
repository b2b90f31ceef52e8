/**
 * A fleet found through etcd, as separate processes over real sockets: a
 * 3-member etcd cluster, servers on simulators each registering under its own
 * --node-name, and a gateway started with --etcd that routes to what is
 * registered. Nodes come (start), go (clean stop, SIGKILL), change state with
 * their VPP, claim names once, and ride out etcd members dying, and etcd
 * going away altogether. Every bound is a hang guard.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, it } from 'node:test';
import { type Child, portOf } from '../lib/child.ts';
import { EtcdClient, type Lease } from '../lib/etcd/index.ts';
import { nodeKey, parseRegistration } from '../lib/fleet/registration.ts';
import { describeEtcd, startEtcdCluster, type EtcdCluster, type EtcdMember } from './support/etcd.ts';
import { nodesOf, startFleetGateway, type NodeView } from './support/fleet.ts';
import { request, type HttpResult } from './support/http.ts';
import { Health, waitFor } from './support/observe.ts';
import { describeRealVpp, runsWithoutRealVpp, startRealVpp, type RealVpp } from './support/real-vpp.ts';
import { startStack, type Stack } from './support/stack.ts';

/** The servers' lease TTL (seconds). */
const TTL = 3;
/** A call that takes longer than this hangs; a call that must answer at once asks a longer deadline. */
const HANG_MS = 20_000;
/** How long a node may take to show in /nodes before the test calls it a hang (appearing takes a watch event). */
const APPEAR_GUARD_MS = 5000;
/** A key outlives a killed server by its lease's TTL; etcd looks for expired leases every 500 ms. */
const EXPIRY_GUARD_MS = TTL * 1000 + 5000;

interface ErrorBody {
  code: number;
  message: string;
  details: { reason?: string; metadata?: Record<string, string> }[];
}

/** A unary call through the gateway to `node`, with a deadline of a minute: a refusal must not wait for it. */
function showVersion(rest: string, node: string): Promise<HttpResult> {
  return request(`${rest}/Vpe/ShowVersion/request?timeout=60s`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-vpp-node': node },
    signal: AbortSignal.timeout(HANG_MS),
  });
}

// on simulators: declared in the runs of the suites that need no real VPP
if (runsWithoutRealVpp)
  describeEtcd('a fleet registered in etcd', () => {
    let cluster: EtcdCluster;
    let etcd: EtcdClient;
    let gateway: Child;
    let rest: string;
    const nodes = new Map<string, Stack>();

    const serverArgs = (name: string): string[] => [
      '--etcd',
      cluster.endpoints.join(','),
      '--node-name',
      name,
      '--etcd-lease-ttl',
      String(TTL),
    ];
    /** A simulator and its server, registering as `name`. */
    const startNode = async (name: string): Promise<Stack> => {
      const stack = await startStack({ gateway: false, serverArgs: serverArgs(name) });
      nodes.set(name, stack);
      return stack;
    };
    const stopNode = async (name: string): Promise<void> => {
      await nodes.get(name)?.stop();
      nodes.delete(name);
    };
    const listed = async (name: string): Promise<NodeView | undefined> =>
      (await nodesOf({ rest })).find((n) => n.name === name);
    /** Until the gateway lists `name` as ready; the ms since `since`, for the log. */
    const untilListedReady = async (name: string, since: number, guardMs = APPEAR_GUARD_MS): Promise<number> => {
      await waitFor(`node ${name} ready in /nodes`, async () => (await listed(name))?.state === 'ready', guardMs);
      return performance.now() - since;
    };
    const registration = async (name: string) => {
      const kv = await etcd.get(nodeKey(name));
      return kv && { kv, record: parseRegistration(kv.value.toString('utf8'), name) };
    };

    before(async () => {
      cluster = await startEtcdCluster({ size: 3 });
      etcd = new EtcdClient({ endpoints: cluster.endpoints });
      gateway = await startFleetGateway(['--etcd', cluster.endpoints.join(',')]);
      rest = `http://127.0.0.1:${portOf(gateway.ready.rest)}`;
    });
    after(async () => {
      await gateway?.stop(3000);
      // etcd back first: a server stopping revokes its lease, which waits for etcd
      if (cluster) await cluster.restore().catch(() => {});
      await Promise.all([...nodes.keys()].map((n) => stopNode(n)));
      await etcd?.close();
      await cluster?.stop();
    });

    it('lists nodes as they start, with what they registered, and routes to them', async () => {
      const empty = await request(`${rest}/readyz`);
      assert.equal(empty.status, 503, 'no node ready yet');
      for (const name of ['a', 'b']) {
        const stack = await startNode(name);
        const ms = await untilListedReady(name, performance.now());
        console.log(`# node ${name}: ready in /nodes ${ms.toFixed(0)} ms after its server said it listens`);
        const view = (await listed(name))!;
        assert.equal(view.grpc, stack.grpcTarget);
        assert.equal(view.metrics, `127.0.0.1:${stack.serverMetricsPort}`);
        // the version is asked of VPP once connected: the key is rewritten with it
        await waitFor(`node ${name}'s VPP version`, async () =>
          /^\d+\.\d+/.test((await listed(name))?.vpp_version ?? ''),
        );
      }
      const { record } = (await registration('a'))!;
      assert.equal(record.state, 'ready');
      assert.ok(record.vpp?.pid && record.vpp.pid > 0, JSON.stringify(record));
      assert.ok(Date.parse(record.started ?? '') <= Date.now(), JSON.stringify(record));
      assert.ok(
        nodes.get('a')!.server.lines.some((l) => l.includes('"msg":"registered in etcd as a"')),
        'the server says it registered',
      );
      for (const name of ['a', 'b']) {
        const r = await showVersion(rest, name);
        assert.equal(r.status, 200, r.text);
      }
      const ready = await request(`${rest}/readyz`);
      assert.deepEqual(
        [ready.status, ready.json],
        [200, { ready: true, status: 'SERVING', nodes: { ready: 2, total: 2 } }],
      );
    });

    it('refuses to start a second server of a name a live server holds, saying who holds it', async () => {
      const holder = (await registration('a'))!;
      const err = await startStack({ gateway: false, serverArgs: serverArgs('a') }).then(
        () => assert.fail('a second server named a started'),
        (e: Error) => e,
      );
      assert.match(err.message, /^server exited with 1 before it was ready/);
      assert.match(
        err.message,
        new RegExp(
          `node name a is taken: /vpp-rpc/nodes/a is held by the server at ${nodes.get('a')!.grpcTarget.replaceAll('.', '\\.')}, started ${holder.record.started}`,
        ),
      );
      assert.doesNotMatch(err.message, /"stack"|\\n\s+at /, 'no stack trace');
      const after = (await registration('a'))!;
      assert.deepEqual([after.kv.createRevision, after.kv.lease], [holder.kv.createRevision, holder.kv.lease]);
    });

    it("follows a node's VPP: not ready when its simulator dies (503 at once), ready when it is back", async () => {
      const b = nodes.get('b')!;
      await b.sim!.kill();
      // the server says what its VPP connection does now: disconnected, reconnecting
      await waitFor('node b not ready', async () => (await listed('b'))?.state !== 'ready', HANG_MS);
      const refused = await showVersion(rest, 'b');
      assert.equal(refused.status, 503, refused.text);
      const body = refused.json as ErrorBody;
      assert.match(body.message, /^node b is not ready: /);
      assert.notEqual((await registration('b'))!.record.state, 'ready');
      await b.restartSim();
      await untilListedReady('b', performance.now(), HANG_MS);
      assert.equal((await showVersion(rest, 'b')).status, 200);
    });

    it('drops a node killed with SIGKILL once its lease expires; a call to it is refused at once', async () => {
      const c = await startNode('c');
      await untilListedReady('c', performance.now());
      await c.server.kill();
      const t0 = performance.now();
      // the gateway's connection sees the server gone (503), or the key has expired already (404)
      const first = await showVersion(rest, 'c');
      assert.ok([503, 404].includes(first.status), `${first.status} ${first.text}`);
      await waitFor('node c gone from /nodes', async () => (await listed('c')) === undefined, EXPIRY_GUARD_MS);
      console.log(
        `# node c (SIGKILL): left /nodes ${(performance.now() - t0).toFixed(0)} ms after, lease TTL ${TTL} s`,
      );
      assert.equal(await registration('c'), undefined);
      const gone = await showVersion(rest, 'c');
      assert.equal(gone.status, 404, gone.text);
      assert.equal((gone.json as ErrorBody).details[0]?.reason, 'NODE_UNKNOWN');
      await stopNode('c');
    });

    it('removes the key of a server stopped cleanly by the time it has exited', async () => {
      const d = await startNode('d');
      await untilListedReady('d', performance.now());
      const code = await d.server.stop(HANG_MS);
      assert.equal(code, 0);
      // revoked before exit, not expired after
      assert.equal(await registration('d'), undefined);
      await waitFor('node d gone from /nodes', async () => (await listed('d')) === undefined, APPEAR_GUARD_MS);
      assert.equal((await showVersion(rest, 'd')).status, 404);
      assert.ok(
        d.server.lines.some((l) => l.includes('left etcd')),
        'the server says it left',
      );
      await stopNode('d');
    });

    /**
     * Until a lease of the servers' TTL, granted now and not kept alive, has
     * expired: a key whose lease outlives it was kept alive meanwhile.
     */
    const untilOneTtlPassed = async (): Promise<void> => {
      // the test's own writes are not retried: asked again while the members elect a leader
      let probe: Lease | undefined;
      await waitFor(
        'a lease granted',
        async () => (probe = await etcd.grantLease(TTL).catch(() => undefined)) !== undefined,
        HANG_MS,
        200,
      );
      probe!.close();
      await waitFor(
        'a lease of one TTL expired',
        async () => (await etcd.leaseTimeToLive(probe!.id)).ttl === -1,
        EXPIRY_GUARD_MS,
        200,
      );
    };

    for (const role of ['leader', 'follower'] as const)
      it(`goes on when the etcd ${role} dies: leases kept, calls routed, a new server registers`, async () => {
        const leader = await cluster.leader();
        const victim: EtcdMember = role === 'leader' ? leader : cluster.members.find((m) => m !== leader)!;
        const before = (await registration('a'))!.kv;
        await victim.kill();
        try {
          await untilOneTtlPassed();
          const kept = (await registration('a'))!.kv;
          assert.deepEqual([kept.lease, kept.createRevision], [before.lease, before.createRevision], 'the same claim');
          assert.equal((await showVersion(rest, 'a')).status, 200);
          const name = `e-${role}`;
          await startNode(name);
          await untilListedReady(name, performance.now(), HANG_MS);
          assert.equal((await showVersion(rest, name)).status, 200);
          // the watch goes on: a node that leaves is seen to leave
          await stopNode(name);
          await waitFor(`node ${name} gone`, async () => (await listed(name)) === undefined, HANG_MS);
          assert.deepEqual(
            (await nodesOf({ rest })).map((n) => [n.name, n.state]),
            [
              ['a', 'ready'],
              ['b', 'ready'],
            ],
          );
        } finally {
          await cluster.restore();
        }
      });

    it('keeps serving known nodes while etcd is down; a server started then registers once etcd is back', async () => {
      await Promise.all(cluster.members.map((m) => m.kill()));
      assert.equal((await showVersion(rest, 'a')).status, 200, 'routing goes on');
      const g = await startNode('g');
      // it serves locally, unregistered
      const health = new Health(g.grpcTarget);
      try {
        assert.equal(await health.serving(), true);
      } finally {
        health.close();
      }
      assert.ok(g.server.lines.some((l) => l.includes('not registered in etcd as g')));
      assert.equal(await listed('g'), undefined);
      assert.equal((await showVersion(rest, 'b')).status, 200, 'routing still goes on');
      await cluster.restore();
      const t0 = performance.now();
      await untilListedReady('g', t0, HANG_MS);
      console.log(`# node g: in /nodes ${(performance.now() - t0).toFixed(0)} ms after etcd was back`);
      // the others are registered still, or again (a lease lost while etcd was away is claimed anew)
      for (const name of ['a', 'b']) await untilListedReady(name, t0, HANG_MS);
      assert.equal((await showVersion(rest, 'g')).status, 200);
      assert.ok((await request(`${rest}/readyz`)).status === 200);
    });
  });

describeRealVpp('a node of a real VPP registered in etcd', () => {
  let cluster: EtcdCluster | undefined;
  let vpp: RealVpp | undefined;
  let stack: Stack | undefined;
  let gateway: Child | undefined;

  after(async () => {
    await gateway?.stop(3000);
    await stack?.stop();
    await vpp?.stop();
    await cluster?.stop();
  });

  it("registers with VPP's own version, and the gateway routes to it", async () => {
    cluster = await startEtcdCluster({ size: 1 });
    vpp = await startRealVpp();
    stack = await startStack({
      gateway: false,
      vppSocket: vpp.apiSocket,
      serverArgs: ['--etcd', cluster.endpoints.join(','), '--node-name', 'real', '--stats-socket', vpp.statsSocket],
    });
    gateway = await startFleetGateway(['--etcd', cluster.endpoints.join(','), '--default-node', 'real']);
    const rest = `http://127.0.0.1:${portOf(gateway.ready.rest)}`;
    // `show version`: vpp v26.06-rc0~123-gabcdef built by …
    const version = /^vpp v(\S+)/.exec(vpp.cli('show', 'version'))?.[1];
    assert.ok(version, 'VPP says its version');
    await waitFor(
      'node real with its VPP version',
      async () => (await nodesOf({ rest })).find((n) => n.name === 'real')?.vpp_version === version,
      HANG_MS,
    );
    const r = await request(`${rest}/Vpe/ShowVersion/request`, {
      method: 'POST',
      signal: AbortSignal.timeout(HANG_MS),
    });
    assert.equal(r.status, 200, r.text);
    assert.equal((r.json as { version: string }).version, version);
  });
});
