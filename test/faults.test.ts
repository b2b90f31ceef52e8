/**
 * Faults end to end, with real processes under load: VPP (the simulator)
 * killed and restarted, a dump cut in the middle, the gRPC server restarted
 * under the gateway, a slow VPP, and frames VPP should never send. Every call
 * in flight at a fault ends because of it (not by its timeout), with the right status or the
 * right answer, and the product recovers by itself.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, it, type TestContext } from 'node:test';
import { credentials, status, type ServiceError } from '@grpc/grpc-js';
import { promisify } from '../clients/typescript/promisify.ts';
import { VpeClient } from '../clients/typescript/generated/vpp/vpe.js';
import { forEachBackend, type BackendStack } from './support/backends.ts';
import { describeSim } from './support/real-vpp.ts';
import { post, simControl } from './support/http.ts';
import { ALL_OPS, Callers, mix, workers, type Call, type Tally, type Watcher, type WatchKind } from './support/load.ts';
import { Health, scrape, waitFor } from './support/observe.ts';
import { settles } from './support/wait.ts';
import { startStack, type Stack } from './support/stack.ts';

/** loopbacks in the simulator: a full dump is long enough to be cut in the middle */
const INTERFACES = 200;
/** calls kept in flight */
const WORKERS = 16;
/**
 * A hang guard, longer than the 10 s a call waits by default: a call that waits on a VPP that is
 * gone ends with its timeout (DEADLINE_EXCEEDED, HTTP 504), which the checks of outcomes refuse.
 * What the calls really take (a few hundred ms) is printed, not asserted: the machines are shared,
 * and a latency limit would make a noisy test.
 */
const GUARD_MS = 30_000;
/** VPP's latency while faults strike, so that calls are caught waiting on VPP */
const BUSY_VPP_MS = 20;

const EVERY_WATCHER: WatchKind[] = ['grpc', 'grpc', 'sse', 'sse', 'ndjson', 'ndjson'];
/** the allowed ends of a call that an outage caught: its answer, or the outage said plainly */
const OUTAGE = /^(ok|UNAVAILABLE|UNAVAILABLE \(streamed\)|HTTP 503|stream failed)$/;
const MISSED = /events may have been missed/;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** How the calls in flight at a fault ended. */
interface FaultReport {
  at: number;
  inFlight: number;
  /** "via op → outcome" → calls */
  outcomes: Map<string, number>;
  /** longest time from the fault to a call's end */
  slowestMs: number;
}

async function observeFault(tally: Tally, fault: () => Promise<unknown>): Promise<FaultReport> {
  const caught: Call[] = [...tally.inFlight];
  const at = performance.now();
  await fault();
  await waitFor('the calls in flight at the fault end', () => caught.every((c) => c.ended !== undefined), GUARD_MS);
  const outcomes = new Map<string, number>();
  for (const c of caught) {
    const key = `${c.via} ${c.op} → ${c.outcome}`;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  }
  return { at, inFlight: caught.length, outcomes, slowestMs: Math.max(0, ...caught.map((c) => c.ended! - at)) };
}

/** Print the report and check it: enough calls caught, each ended as `allowed`. */
function checkFault(t: TestContext, name: string, r: FaultReport, allowed: RegExp, minInFlight = WORKERS / 2): void {
  t.diagnostic(`${name}: ${r.inFlight} calls in flight, all ended within ${r.slowestMs.toFixed(0)} ms of the fault`);
  for (const [k, n] of [...r.outcomes].sort()) t.diagnostic(`  ${n.toString().padStart(4)}  ${k}`);
  assert.ok(r.inFlight >= minInFlight, `${r.inFlight} calls in flight`);
  for (const k of r.outcomes.keys()) assert.match(k.split(' → ')[1]!, allowed, k);
}

/** Every event stream ended with UNAVAILABLE (event streams have no timeout), saying events may have been missed. */
async function checkWatchersEnded(t: TestContext, watchers: Watcher[], at: number, message: RegExp): Promise<void> {
  const ends = await settles('the event streams end', Promise.all(watchers.map((w) => w.ended)), GUARD_MS);
  for (const [i, e] of ends.entries()) {
    const w = watchers[i]!;
    t.diagnostic(`  event stream ${w.kind} ended ${(e.at - at).toFixed(0)} ms after the fault: ${e.code} ${e.message}`);
    assert.equal(e.code, 14, `${w.kind}: ${e.code} ${e.message}`);
    assert.match(e.message, message, w.kind);
  }
}

function checkClean(tally: Tally): void {
  assert.deepEqual(tally.problems, []);
  assert.equal(tally.failures, 0, JSON.stringify(tally.rows()));
  assert.ok(tally.total > 0, 'calls were made');
}

/**
 * Calls fail fast while a process is away: the ones under way end before it is back (a call that
 * waited for it would end with its timeout, which is no outcome of an outage).
 */
async function callsEndWhileAway(tally: Tally): Promise<void> {
  const underWay = [...tally.inFlight];
  await waitFor('the calls made while away end', () => underWay.every((c) => c.ended !== undefined), GUARD_MS);
}

/** Calls made since the fault: answers, or the outage said plainly. */
function checkMeanwhile(t: TestContext, tally: Tally): void {
  t.diagnostic(`  calls meanwhile: ${tally.total}, the longest ${tally.longestMs.toFixed(0)} ms`);
  for (const r of tally.rows()) assert.match(r.outcome, OUTAGE, JSON.stringify(r));
  assert.deepEqual(tally.problems, []);
}

/** Full service: every call for at least `ms` answered, and answered right (and some answered, however slow the machine). */
async function checkServing(tally: Tally, ms: number): Promise<void> {
  tally.reset();
  await sleep(ms);
  await waitFor('calls answered', () => tally.total > 0, GUARD_MS);
  checkClean(tally);
}

/** Calls answered under the load just started: the service is up before a fault strikes. */
async function checkLoaded(tally: Tally): Promise<void> {
  await waitFor('calls answered', () => tally.total > 0, GUARD_MS);
  checkClean(tally);
}

async function watchAll(c: Callers, kinds: WatchKind[]): Promise<Watcher[]> {
  const ws = kinds.map((k) => c.watch(k));
  assert.deepEqual(
    await Promise.all(ws.map((w) => w.subscribed)),
    ws.map(() => true),
  );
  return ws;
}

describeSim('faults under load, end to end', () => {
  let stack: Stack;
  let c: Callers;
  let health: Health;
  const sim = (command: Record<string, unknown>): Promise<Record<string, unknown>> => simControl(stack.socket, command);
  const serverMetric = async (name: string): Promise<number> =>
    (await scrape(stack.serverMetricsPort)).get(name) ?? NaN;

  before(async () => {
    stack = await startStack({ simArgs: ['--interfaces', String(INTERFACES)] });
    c = new Callers(stack.grpcTarget, stack.rest, INTERFACES);
    health = new Health(stack.grpcTarget);
  });
  after(async () => {
    health?.close();
    await c?.close();
    await stack?.stop();
  });

  /** New watchers on every path see the events of an interface switched up and down; none is left behind. */
  async function eventsFlow(): Promise<void> {
    const ws = await watchAll(c, EVERY_WATCHER);
    const k = 1 + Math.floor(INTERFACES / 2);
    assert.ok(await c.setFlags('grpc', k, true));
    assert.ok(await c.setFlags('rest', k, false));
    await waitFor('every watcher sees both events', () => ws.every((w) => w.events.length >= 2));
    for (const w of ws) {
      w.cancel();
      assert.deepEqual(w.events, [k, k], w.kind);
    }
    await Promise.all(ws.map((w) => w.ended));
    await noWatchersLeft();
  }

  /** VPP answers slowly, so that a fault finds calls waiting on it. */
  async function busyVpp(): Promise<void> {
    await sim({ cmd: 'delay', ms: BUSY_VPP_MS });
    await waitFor('calls wait on VPP', async () => (await serverMetric('vpp_rpc_vpp_in_flight')) > 0);
  }

  async function noWatchersLeft(): Promise<void> {
    await waitFor(
      'the server has no event watchers',
      async () => (await serverMetric('vpp_rpc_vpp_event_watchers')) === 0,
    );
    await waitFor('VPP has no subscriptions', async () => {
      const state = (await sim({ cmd: 'state' })).state as { interfaceEventSubscribers: unknown[] };
      return state.interfaceEventSubscribers.length === 0;
    });
  }

  /**
   * VPP goes away under load and comes back: every call and event stream in
   * flight ends promptly, calls meanwhile fail fast, and service,
   * health and readiness come back by themselves.
   */
  async function vppOutage(t: TestContext, name: string, down: () => Promise<unknown>, up: () => Promise<unknown>) {
    const { tally } = c;
    tally.reset();
    const watchers = await watchAll(c, EVERY_WATCHER);
    const load = workers(WORKERS, mix(c, Object.values(ALL_OPS)));
    let isDown = false;
    try {
      await checkLoaded(tally);
      await busyVpp();
      isDown = true;
      const fault = await observeFault(tally, down);
      checkFault(t, name, fault, OUTAGE);
      await checkWatchersEnded(t, watchers, fault.at, MISSED);
      await callsEndWhileAway(tally);

      const askedAt = performance.now();
      isDown = false;
      await up();
      const back = performance.now();
      await sim({ cmd: 'clear' });
      const [grpcMs, restMs, healthMs, readyMs] = await Promise.all([
        waitFor('a gRPC call succeeds', () => tally.lastOk.grpc > back),
        waitFor('a REST call succeeds', () => tally.lastOk.rest > back),
        waitFor('gRPC health says SERVING', () => health.serving()),
        waitFor('/readyz says ready', async () => (await fetch(`${stack.rest}/readyz`)).status === 200),
      ]);
      t.diagnostic(
        `${name}: VPP back ${(back - askedAt).toFixed(0)} ms after it was asked to start; since then gRPC served in ` +
          `${grpcMs.toFixed(0)} ms, REST in ${restMs.toFixed(0)} ms, health SERVING in ${healthMs.toFixed(0)} ms, ` +
          `/readyz 200 in ${readyMs.toFixed(0)} ms`,
      );
      checkMeanwhile(t, tally);
      await checkServing(tally, 300);
    } finally {
      await load.stop();
      // a failed check leaves no VPP down for the tests after it
      if (isDown) await up();
    }
    await eventsFlow();
  }

  it('VPP killed (SIGKILL) under load, then started again', async (t) => {
    await vppOutage(
      t,
      'VPP killed',
      () => stack.sim!.kill(),
      () => stack.restartSim(),
    );
  });

  it('VPP restarted through the control socket under load', async (t) => {
    let answer: Promise<Record<string, unknown>> | undefined;
    await vppOutage(
      t,
      'VPP restarted',
      async () => {
        // every connection drops at once, then the socket stays away for the downtime
        answer = sim({ cmd: 'restart', downtimeMs: 500 });
        await sleep(50);
      },
      async () => assert.equal((await answer!).ok, true),
    );
  });

  it('a dump cut in the middle fails as a stream, on every path', async (t) => {
    const cuts: [string, () => Promise<boolean>, RegExp][] = [
      ['gRPC', () => c.grpcDumpAll(), /^UNAVAILABLE \(streamed\)$/],
      ['REST NDJSON', () => c.restDumpAllNdjson(), /^UNAVAILABLE \(streamed\)$/],
      // the status line is gone: the body is cut short, so that a client cannot take it for the whole dump
      ['REST JSON array', () => c.restDumpAll(), /^stream failed$/],
    ];
    for (const [name, dump, expected] of cuts) {
      await waitFor('VPP is connected', () => health.serving());
      c.tally.reset();
      // VPP sends 50 details and dies
      await sim({ cmd: 'drop-after', messages: 50 });
      const started = performance.now();
      const before = [...c.tally.inFlight];
      assert.equal(before.length, 0);
      const ok = await dump();
      const ms = performance.now() - started;
      const [row] = c.tally.rows();
      t.diagnostic(`${name}: ${row?.outcome} after ${ms.toFixed(0)} ms`);
      assert.equal(ok, false);
      assert.match(row!.outcome, expected);
      assert.deepEqual(c.tally.problems, []);
    }
  });

  /**
   * The gRPC server goes away under the gateway and comes back on its port:
   * 503 meanwhile, then full service, with the same gateway process.
   */
  async function serverOutage(t: TestContext, name: string, down: () => Promise<unknown>, streamEnd: RegExp) {
    const { tally } = c;
    await waitFor('VPP is connected', () => health.serving());
    tally.reset();
    const gatewayPid = stack.gateway!.proc.pid;
    const restOps = Object.entries(ALL_OPS)
      .filter(([k]) => k.startsWith('rest'))
      .map(([, op]) => op);
    const watchers = await watchAll(c, ['grpc', 'sse', 'sse', 'ndjson', 'ndjson']);
    const load = workers(WORKERS, mix(c, restOps));
    try {
      await checkLoaded(tally);
      await busyVpp();
      const downAt = performance.now();
      const fault = await observeFault(tally, down);
      t.diagnostic(`${name}: the server was gone ${(performance.now() - downAt).toFixed(0)} ms after it was told`);
      checkFault(t, name, fault, OUTAGE);
      await checkWatchersEnded(t, watchers, fault.at, streamEnd);

      await callsEndWhileAway(tally);
      const gone = await fetch(`${stack.rest}/Vpe/ShowVersion/request`, { method: 'POST' });
      assert.equal(gone.status, 503);
      assert.equal(((await gone.json()) as { code: number }).code, 14);
      assert.equal((await fetch(`${stack.rest}/readyz`)).status, 503);

      const askedAt = performance.now();
      await stack.restartServer();
      const back = performance.now();
      await sim({ cmd: 'clear' });
      const [restMs, readyMs] = await Promise.all([
        waitFor('a REST call succeeds', () => tally.lastOk.rest > back),
        waitFor('/readyz says ready', async () => (await fetch(`${stack.rest}/readyz`)).status === 200),
      ]);
      t.diagnostic(
        `${name}: listening again ${(back - askedAt).toFixed(0)} ms after it was started; since then ` +
          `REST served in ${restMs.toFixed(0)} ms, /readyz 200 in ${readyMs.toFixed(0)} ms`,
      );
      checkMeanwhile(t, tally);
      await checkServing(tally, 300);
      assert.equal(stack.gateway!.proc.pid, gatewayPid);
      assert.equal(stack.gateway!.proc.exitCode, null, 'the gateway was not restarted');
    } finally {
      await load.stop();
    }
    await eventsFlow();
  }

  it('the gRPC server killed (SIGKILL) and started again under the gateway', async (t) => {
    await serverOutage(t, 'gRPC server killed', () => stack.server.kill(), /./);
  });

  it('the gRPC server stopped (SIGTERM) and started again: it ends event streams saying why, and exits at once', async (t) => {
    await serverOutage(
      t,
      'gRPC server stopped',
      async () => assert.equal(await stack.server.stop(GUARD_MS), 0),
      /the server is shutting down; events may have been missed/,
    );
  });

  it('a slow VPP: deadlines end calls promptly, and nothing stays in flight', async (t) => {
    const { tally } = c;
    await waitFor('VPP is connected', () => health.serving());
    const DEADLINE_MS = 200;
    const SLOW_MS = 1500;
    tally.reset();
    await sim({ cmd: 'delay', ms: SLOW_MS });
    const limits = { timeoutMs: DEADLINE_MS };
    const calls: Promise<boolean>[] = [];
    for (let k = 1; k <= 10; k++)
      calls.push(
        c.grpcMac(k, limits),
        c.grpcCli(k, limits),
        c.grpcDumpOne(k, limits),
        c.grpcDumpAll(limits),
        c.restMac(k, limits),
        c.restCli(k, limits),
        c.restDumpOne(k, limits),
        c.restDumpAll(limits),
        c.restDumpAllNdjson(limits),
      );
    // an event stream's own timeout ends it: over REST normally, over gRPC with DEADLINE_EXCEEDED
    const watchers = (['grpc', 'sse', 'ndjson'] as const).map((k) => c.watch(k, limits));
    const started = performance.now();
    let atVpp = 0;
    await waitFor('calls wait on the slow VPP', async () => (atVpp = await serverMetric('vpp_rpc_vpp_in_flight')) > 0);
    const inFlight = tally.inFlight.size;
    const ends = await settles('the event streams end', Promise.all(watchers.map((w) => w.ended)), GUARD_MS);
    assert.deepEqual(
      await Promise.all(calls),
      calls.map(() => false),
    );
    const ms = performance.now() - started;
    t.diagnostic(
      `slow VPP (${SLOW_MS} ms), deadline ${DEADLINE_MS} ms: ${inFlight} calls and 3 event streams in flight, ` +
        `${atVpp} requests waiting on VPP; the longest call took ${tally.longestMs.toFixed(0)} ms, ` +
        `all ended ${ms.toFixed(0)} ms after they began`,
    );
    for (const r of tally.rows()) t.diagnostic(`  ${r.calls.toString().padStart(4)}  ${r.via} ${r.op} → ${r.outcome}`);
    for (const e of ends)
      t.diagnostic(`  event stream ended ${(e.at - started).toFixed(0)} ms after it began: ${e.code}`);
    // a call that outlived its deadline would end with the slow VPP's answer, which no check here takes
    for (const r of tally.rows()) assert.match(r.outcome, /^(DEADLINE_EXCEEDED|HTTP 504)$/, JSON.stringify(r));
    assert.deepEqual(
      ends.map((e) => e.code),
      [4, 0, 0],
    );

    const waitedFrom = performance.now() - started;
    const [rpcsMs, vppMs] = await Promise.all([
      waitFor('no RPC in flight', async () => (await serverMetric('vpp_rpc_grpc_in_flight')) === 0),
      waitFor('no request waiting on VPP', async () => (await serverMetric('vpp_rpc_vpp_in_flight')) === 0),
    ]);
    t.diagnostic(
      `  gauges at zero: vpp_rpc_grpc_in_flight ${(waitedFrom + rpcsMs).toFixed(0)} ms ` +
        `and vpp_rpc_vpp_in_flight ${(waitedFrom + vppMs).toFixed(0)} ms after the calls began`,
    );

    // the late replies arrive while new calls run: none is taken for another's
    await sim({ cmd: 'delay', ms: 0 });
    const load = workers(WORKERS, mix(c, Object.values(ALL_OPS)));
    try {
      await checkServing(tally, SLOW_MS);
    } finally {
      await load.stop();
    }
    await noWatchersLeft();
  });

  it('frames VPP should never send: the connection is dropped and made again, calls work again', async (t) => {
    const { tally } = c;
    for (const kind of ['truncated', 'bad-length', 'unknown-id'] as const) {
      await waitFor('VPP is connected', () => health.serving());
      tally.reset();
      const reconnects = await serverMetric('vpp_rpc_vpp_reconnects_total');
      const load = workers(WORKERS, mix(c, Object.values(ALL_OPS)));
      try {
        await checkLoaded(tally);
        await busyVpp();
        const fault = await observeFault(tally, () => sim({ cmd: 'malformed', kind }));
        // a frame of an unknown message is skipped: nothing fails
        checkFault(t, `malformed frame (${kind})`, fault, kind === 'unknown-id' ? /^ok$/ : OUTAGE);
        await sim({ cmd: 'clear' });
        const since = performance.now();
        const recoveredMs = await waitFor(
          'calls succeed again',
          () => tally.lastOk.grpc > since && tally.lastOk.rest > since,
        );
        const reconnected = (await serverMetric('vpp_rpc_vpp_reconnects_total')) - reconnects;
        t.diagnostic(`  served again ${recoveredMs.toFixed(0)} ms later; reconnections: ${reconnected}`);
        assert.equal(reconnected > 0, kind !== 'unknown-id');
        assert.equal(stack.server.proc.exitCode, null, 'the server is still running');
        assert.deepEqual(tally.problems, []);
        await checkServing(tally, 200);
      } finally {
        await load.stop();
      }
    }
  });

  // last: the gateway does not come back
  it('the gateway stopped (SIGTERM) with event streams open: it ends them saying why, and exits at once', async (t) => {
    const { tally } = c;
    await waitFor('VPP is connected', () => health.serving());
    tally.reset();
    const restOps = Object.entries(ALL_OPS)
      .filter(([k]) => k.startsWith('rest'))
      .map(([, op]) => op);
    const watchers = await watchAll(c, ['sse', 'sse', 'ndjson', 'ndjson']);
    const load = workers(WORKERS, mix(c, restOps));
    try {
      await checkLoaded(tally);
      let exited = NaN;
      const fault = await observeFault(tally, async () => {
        const t0 = performance.now();
        assert.equal(await stack.gateway!.stop(GUARD_MS), 0);
        exited = performance.now() - t0;
      });
      t.diagnostic(`gateway stopped: it exited ${exited.toFixed(0)} ms after SIGTERM`);
      // calls under way are answered; the ones that come as it closes are refused or find no one
      checkFault(t, 'gateway stopped', fault, /^(ok|HTTP 503|no answer \(.*\))$/);
      await checkWatchersEnded(t, watchers, fault.at, /the gateway is shutting down; events may have been missed/);
    } finally {
      await load.stop();
    }
  });
});

describeSim('a reader that stops reading a big dump', () => {
  const BIG = 16_000;
  let stack: Stack;
  let c: Callers;
  before(async () => {
    stack = await startStack({ simArgs: ['--interfaces', String(BIG)] });
    c = new Callers(stack.grpcTarget, stack.rest, BIG);
  });
  after(async () => {
    await c?.close();
    await stack?.stop();
  });

  /** Checked calls from another caller while the dump is held: how long the slowest took. */
  async function othersWhileHeld(): Promise<number> {
    c.tally.reset();
    const t0 = performance.now();
    const oks = await Promise.all([c.grpcMac(7), c.restMac(8), c.grpcDumpOne(9), c.restCli(10)]);
    const ms = performance.now() - t0;
    assert.deepEqual(oks, [true, true, true, true], JSON.stringify(c.tally.rows()));
    return ms;
  }

  it('holds up the other calls for about a second, then loses its dump: over gRPC', async (t) => {
    const dump = c.itf.swInterfaceDump({ name_filter_valid: false, name_filter: '' });
    let got = 0;
    dump.on('data', () => {
      if (++got === 1) dump.pause();
    });
    const ended = new Promise<{ code: number; details: string }>((r) => dump.on('status', r));
    dump.on('error', () => {});
    // time for the dump to fill what lies between VPP and the paused reader; the checks do not depend on it
    await sleep(500);
    const ms = await othersWhileHeld();
    dump.resume();
    const s = await ended;
    t.diagnostic(
      `gRPC: other calls answered in ${ms.toFixed(0)} ms; the dump ended after ${got} of ${BIG + 1}: ${s.code} ${s.details}`,
    );
    // without the limit the dump would have waited for its reader, and ended at its 10 s timeout
    assert.equal(s.code, 8);
    assert.match(s.details, /fell behind/);
    assert.ok(got < BIG + 1);
  });

  it('holds up the other calls for about a second, then loses its dump: over REST', async (t) => {
    // a client that asks for the dump as NDJSON and does not read it
    const res = await c.pool.request({
      method: 'POST',
      path: '/Interface/SwInterfaceDump/request',
      headers: { accept: 'application/x-ndjson' },
    });
    assert.equal(res.statusCode, 200);
    // time for the dump to fill what lies between VPP and the reader; the checks do not depend on it
    await sleep(500);
    const ms = await othersWhileHeld();
    const lines = (await res.body.text()).trimEnd().split('\n');
    const last = JSON.parse(lines[lines.length - 1]!) as { error?: { code: number; message: string } };
    t.diagnostic(
      `REST: other calls answered in ${ms.toFixed(0)} ms; the dump ended after ${lines.length - 1} of ${BIG + 1}: ` +
        `${last.error?.code} ${last.error?.message}`,
    );
    // without the limit the dump would have waited for its reader, and ended at its 60 s deadline
    assert.equal(last.error?.code, 8);
    assert.ok(lines.length - 1 < BIG + 1);
  });
});

forEachBackend('VPP killed (SIGKILL) in the middle of calls', (backend) => {
  let stack: BackendStack;
  let vpe: InstanceType<typeof VpeClient>;
  before(async () => {
    stack = await backend.startStack();
    vpe = new VpeClient(stack.grpcTarget, credentials.createInsecure());
  });
  after(async () => {
    vpe?.close();
    await stack?.stop();
  });

  const restCall = async (): Promise<number> => (await post(`${stack.rest}/Vpe/ShowVersion/request`)).status;
  const grpcCall = (): Promise<number> =>
    promisify.unary(vpe.showVersion.bind(vpe), {}).then(
      () => status.OK,
      (e: ServiceError) => e.code,
    );

  it('ends the calls waiting on VPP with UNAVAILABLE at once, and serves again when VPP is back', async (t) => {
    assert.equal(await restCall(), 200);
    assert.equal(await grpcCall(), status.OK);
    // VPP holds the calls (the simulator delays, the real VPP is stopped), then dies under them
    await stack.freezeVpp();
    const inFlight = Promise.all([restCall(), grpcCall()]);
    await waitFor(
      'both calls wait on VPP',
      async () => ((await scrape(stack.serverMetricsPort)).get('vpp_rpc_vpp_in_flight') ?? 0) >= 2,
    );
    const at = performance.now();
    await stack.killVpp();
    const [rest, grpc] = await inFlight;
    const endedMs = performance.now() - at;
    // a call that waited on the dead VPP would have ended with its timeout: 504, DEADLINE_EXCEEDED
    assert.equal(rest, 503);
    assert.equal(grpc, status.UNAVAILABLE);
    assert.equal(await restCall(), 503, 'no VPP: calls fail fast');
    // a new VPP in the same place (the frozen one is gone with its delay)
    await stack.startVpp();
    const backMs = await waitFor('REST serves again', async () => (await restCall()) === 200);
    assert.equal(await grpcCall(), status.OK);
    t.diagnostic(
      `calls in flight ended ${endedMs.toFixed(0)} ms after VPP died; REST served ${backMs.toFixed(0)} ms after VPP was back`,
    );
  });
});
