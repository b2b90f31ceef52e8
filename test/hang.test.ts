/**
 * A VPP that stops answering with its socket open, end to end under load from
 * REST and gRPC: the simulator's stall, and a real VPP stopped with SIGSTOP.
 * The server notices within seconds, says so (metrics, log, health, /readyz),
 * fails calls at once instead of letting them wait, keeps its memory flat, and
 * serves again by itself when VPP runs again. Times are printed, not asserted:
 * a call that waits on the silent VPP ends with its timeout, which no check takes.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, it, type TestContext } from 'node:test';
import { simControl } from './support/http.ts';
import { Callers, workers, type Call, type Via, type Watcher } from './support/load.ts';
import { Health, mib, rssBytes, scrape, waitFor } from './support/observe.ts';
import { settles } from './support/wait.ts';
import { describeRealVpp, describeSim, startRealVpp, type RealVpp } from './support/real-vpp.ts';
import { startStack, type Stack } from './support/stack.ts';
import { VPP_OPS, VppCalls } from './support/vpp-calls.ts';

/** calls kept in flight, half over each path */
const WORKERS = 16;
/**
 * A hang guard, longer than the 10 s default deadline of the calls here: a call that waits on the
 * silent VPP ends with DEADLINE_EXCEEDED or HTTP 504 within it, which the checks of outcomes refuse.
 */
const GUARD_MS = 30_000;
/** how long VPP stays silent under load once it was noticed */
const SILENCE_MS = 6000;
/** growth of resident memory that is not flat (the load makes thousands of calls meanwhile) */
const MEMORY_SLACK = 48 * 1024 * 1024;

const NOT_RESPONDING = /^VPP is not responding: no answer for \d+\.\d s/;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const endedAll = (calls: Call[]): boolean => calls.every((c) => c.ended !== undefined);

interface Vpp {
  name: string;
  stack: Stack;
  pid(): number;
  /** VPP stops answering, its socket open */
  hang(): Promise<void>;
  /** VPP runs again */
  resume(): Promise<void>;
}

async function vppState(stack: Stack): Promise<string | undefined> {
  const m = await scrape(stack.serverMetricsPort);
  for (const [k, v] of m) if (k.startsWith('vpp_rpc_vpp_state{') && v === 1) return /state="(\w+)"/.exec(k)?.[1];
  return undefined;
}

async function readyz(stack: Stack): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${stack.rest}/readyz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function rss(stack: Stack): { server: number; gateway: number } {
  return { server: rssBytes(stack.server.proc.pid!), gateway: rssBytes(stack.gateway!.proc.pid!) };
}

/** Calls whose outcome is not `allowed`, as "via op → outcome: n". */
function unexpected(calls: VppCalls, allowed: RegExp): string[] {
  return calls.tally
    .rows()
    .filter((r) => !allowed.test(r.outcome))
    .map(
      (r) =>
        `${r.via} ${r.op} → ${r.outcome}: ${r.calls} ${JSON.stringify([...(calls.messages.get(r.outcome) ?? [])])}`,
    );
}

/**
 * VPP hangs under load and runs again: the whole story, checked step by step,
 * with the detection and recovery times printed.
 */
async function hangUnderLoad(t: TestContext, vpp: Vpp): Promise<void> {
  const { stack } = vpp;
  const calls = new VppCalls(stack.grpcTarget, stack.rest, () => vpp.pid());
  const health = new Health(stack.grpcTarget);
  const vias: Via[] = ['grpc', 'rest'];
  const load = workers(WORKERS, (w, i) => calls.run(vias[w % 2]!, VPP_OPS[(w + i) % VPP_OPS.length]!));
  const watchers: Watcher[] = [];
  try {
    // full service first (the first calls of each path may be slow on a loaded machine)
    const warm = performance.now();
    try {
      await waitFor('a gRPC call succeeds', () => calls.tally.lastOk.grpc > warm, 60_000);
      await waitFor('a REST call succeeds', () => calls.tally.lastOk.rest > warm, 60_000);
    } catch (e) {
      t.diagnostic(
        JSON.stringify({ rows: calls.tally.rows(), messages: [...calls.messages].map(([k, v]) => [k, [...v]]) }),
      );
      t.diagnostic(stack.server.lines.slice(-10).join('\n'));
      throw e;
    }
    calls.tally.reset();
    await sleep(1000);
    await waitFor('calls answered', () => calls.tally.total > 0, GUARD_MS);
    assert.deepEqual(calls.tally.problems, []);
    assert.deepEqual(unexpected(calls, /^ok$/), []);
    assert.equal(await vppState(stack), 'connected');
    const eventCallers = new Callers(stack.grpcTarget, stack.rest, 1);
    watchers.push(eventCallers.watch('grpc'), eventCallers.watch('sse'));
    assert.deepEqual(await Promise.all(watchers.map((w) => w.subscribed)), [true, true]);

    // VPP stops answering
    calls.tally.reset();
    const caught: Call[] = [...calls.tally.inFlight];
    const hungAt = performance.now();
    await vpp.hang();
    const detectMs = await waitFor(
      'vpp_rpc_vpp_state is not_responding',
      async () => (await vppState(stack)) === 'not_responding',
      GUARD_MS,
    );
    await waitFor('health says NOT_SERVING', async () => !(await health.serving()), GUARD_MS);
    const ready = await readyz(stack);
    t.diagnostic(`${vpp.name}: not_responding ${detectMs.toFixed(0)} ms after VPP stopped answering`);
    t.diagnostic(`  /readyz ${ready.status} ${JSON.stringify(ready.body)}`);
    assert.equal(ready.status, 503);
    assert.equal(ready.body.vpp, 'not_responding');
    assert.match(String(ready.body.reason), NOT_RESPONDING);
    const warn = stack.server.lines.find((l) => l.includes('VPP is not responding'));
    assert.ok(warn, 'a log line says VPP is not responding');
    const logged = JSON.parse(warn) as { level: number | string; silentMs: number; msg: string };
    t.diagnostic(`  server log: ${warn}`);
    assert.ok(logged.silentMs > 0 && logged.level !== 'info' && logged.level !== 30, warn);

    // the calls that waited on VPP ended with it, saying why
    await waitFor('the calls waiting at the hang end', () => endedAll(caught), GUARD_MS);
    const slowest = Math.max(0, ...caught.map((c) => c.ended! - hungAt));
    t.diagnostic(`  ${caught.length} calls waiting at the hang, all ended ${slowest.toFixed(0)} ms after it`);
    for (const c of caught) assert.match(c.outcome!, /^(ok|UNAVAILABLE|HTTP 503)$/, `${c.via} ${c.op}`);
    const ends = await settles('the event streams end', Promise.all(watchers.map((w) => w.ended)), GUARD_MS);
    for (const [i, e] of ends.entries()) {
      t.diagnostic(`  event stream ${watchers[i]!.kind} ended: ${e.code} ${e.message}`);
      assert.equal(e.code, 14);
      assert.match(e.message, /VPP is not responding: no answer for .*events may have been missed/);
    }
    await eventCallers.close();

    // meanwhile: every call fails at once with UNAVAILABLE / 503 naming the hang; memory stays flat
    const begun = [...calls.tally.inFlight];
    await waitFor('the calls begun before the hang was noticed end', () => endedAll(begun), GUARD_MS);
    calls.tally.reset();
    calls.messages.clear();
    const before = rss(stack);
    const samples = [before];
    for (let s = 0; s < SILENCE_MS; s += 1000) {
      await sleep(1000);
      samples.push(rss(stack));
    }
    await waitFor('calls while VPP is silent', () => calls.tally.total > WORKERS, GUARD_MS);
    // none waits for VPP: the calls under way end while it is still silent
    const underWay = [...calls.tally.inFlight];
    await waitFor('the calls under way end while VPP is silent', () => endedAll(underWay), GUARD_MS);
    const end = rss(stack);
    const grow = { server: end.server - before.server, gateway: end.gateway - before.gateway };
    t.diagnostic(
      `  while silent: ${calls.tally.total} calls, the longest ${calls.tally.longestMs.toFixed(0)} ms; ` +
        `RSS server ${samples.map((s) => mib(s.server)).join(' ')}, gateway ${samples.map((s) => mib(s.gateway)).join(' ')}`,
    );
    for (const r of calls.tally.rows())
      t.diagnostic(`    ${String(r.calls).padStart(6)}  ${r.via} ${r.op} → ${r.outcome}`);
    assert.deepEqual(unexpected(calls, /^(UNAVAILABLE|HTTP 503)$/), []);
    for (const [outcome, messages] of calls.messages)
      for (const m of messages) assert.match(m, NOT_RESPONDING, `${outcome}: ${m}`);
    assert.ok(grow.server < MEMORY_SLACK, `server grew ${mib(grow.server)}`);
    assert.ok(grow.gateway < MEMORY_SLACK, `gateway grew ${mib(grow.gateway)}`);
    assert.equal(await vppState(stack), 'not_responding');

    // VPP runs again: service is back by itself
    calls.tally.reset();
    const resumedAt = performance.now();
    await vpp.resume();
    const [grpcMs, restMs, healthMs, readyMs] = await Promise.all([
      waitFor('a gRPC call succeeds', () => calls.tally.lastOk.grpc > resumedAt, GUARD_MS),
      waitFor('a REST call succeeds', () => calls.tally.lastOk.rest > resumedAt, GUARD_MS),
      waitFor('health says SERVING', () => health.serving(), GUARD_MS),
      waitFor('/readyz says ready', async () => (await readyz(stack)).status === 200, GUARD_MS),
    ]);
    t.diagnostic(
      `${vpp.name}: back after VPP ran again: gRPC served in ${grpcMs.toFixed(0)} ms, REST in ${restMs.toFixed(0)} ms, ` +
        `health SERVING in ${healthMs.toFixed(0)} ms, /readyz 200 in ${readyMs.toFixed(0)} ms`,
    );
    assert.equal(await vppState(stack), 'connected');
    assert.deepEqual((await readyz(stack)).body, { ready: true, status: 'SERVING' });
    // full service again, every answer the right one (calls begun while VPP was silent may still fail)
    const beforeResume = [...calls.tally.inFlight];
    await waitFor('the calls begun before VPP ran again end', () => endedAll(beforeResume), GUARD_MS);
    calls.tally.reset();
    await sleep(1500);
    await waitFor('calls answered', () => calls.tally.total > 0, GUARD_MS);
    assert.deepEqual(unexpected(calls, /^ok$/), []);
  } finally {
    await load.stop();
    health.close();
    await calls.close();
  }
  // across the whole story: no call answered twice or with another's reply
  assert.deepEqual(calls.tally.problems, []);
}

describeSim('a VPP that stops answering, end to end (simulator)', () => {
  let stack: Stack;
  const sim = (command: Record<string, unknown>) => simControl(stack.socket, command);
  let pid = 0;

  before(async () => {
    stack = await startStack();
    pid = ((await sim({ cmd: 'state' })).state as { vpePid: number }).vpePid;
  });
  after(async () => {
    await stack?.stop();
  });

  it('stalls under load and answers again', async (t) => {
    await hangUnderLoad(t, {
      name: 'simulator stall',
      stack,
      pid: () => pid,
      hang: async () => void (await sim({ cmd: 'stall', on: true })),
      resume: async () => void (await sim({ cmd: 'stall', on: false })),
    });
  });

  it('stalls, then is killed and started again: the reconnect takes over', async (t) => {
    const health = new Health(stack.grpcTarget);
    try {
      await sim({ cmd: 'stall', on: true });
      await waitFor('not_responding', async () => (await vppState(stack)) === 'not_responding', GUARD_MS);
      await stack.sim!.kill();
      await waitFor('the server sees VPP gone', async () => (await vppState(stack)) !== 'not_responding', GUARD_MS);
      const { status, body } = await readyz(stack);
      assert.equal(status, 503);
      assert.notEqual(body.vpp, 'not_responding');
      await stack.restartSim();
      const ms = await waitFor('health says SERVING', () => health.serving(), GUARD_MS);
      t.diagnostic(`served again ${ms.toFixed(0)} ms after the simulator was started again`);
      pid = ((await sim({ cmd: 'state' })).state as { vpePid: number }).vpePid;
      assert.equal(await vppState(stack), 'connected');
    } finally {
      health.close();
    }
  });
});

describeRealVpp('a VPP that stops answering, end to end', () => {
  // started inside the test: real-vpp.ts registers its cleanup with after(), which inside a before() hook ends with the hook
  it('SIGSTOP under load, then SIGCONT', async (t) => {
    const vpp: RealVpp = await startRealVpp();
    let stack: Stack | undefined;
    try {
      stack = await startStack({ vppSocket: vpp.apiSocket });
      await hangUnderLoad(t, {
        name: 'real VPP SIGSTOP',
        stack,
        pid: () => vpp.pid,
        hang: async () => vpp.signal('SIGSTOP'),
        resume: async () => vpp.signal('SIGCONT'),
      });
    } finally {
      await stack?.stop();
      await vpp.stop();
    }
  });
});
