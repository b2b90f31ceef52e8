/**
 * The gRPC server stops answering under the gateway, end to end with the real
 * processes and REST calls under load: frozen with SIGSTOP (its connection
 * stays open, nothing fails by itself), and killed and started again. The
 * gateway notices, ends what was waiting on the server, answers every new call
 * 503 at once saying why, says the same on /readyz, its metrics and its log,
 * and serves again by itself when the server answers. Times are printed;
 * the only bounds asserted are hang guards.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it, type TestContext } from 'node:test';
import { Pool } from 'undici';
import { Callers, type Watcher } from './support/load.ts';
import { scrape, waitFor } from './support/observe.ts';
import { untilReady } from './support/ready.ts';
import { startStack, type Stack } from './support/stack.ts';

/** REST calls kept in flight */
const WORKERS = 24;
/**
 * A call that takes longer than this hangs. Calls issued once the gateway knows the server
 * is gone must end within it, far below the 10 s request timeout they would otherwise wait out.
 */
const HANG_MS = 5000;
/** a call still unanswered after this is abandoned: the gateway's own deadline (10 s) ends it before */
const ABANDON_MS = 15_000;
/** calls answered while the server is away, before the test brings it back */
const CALLS_WHILE_AWAY = 300;

const NOT_RESPONDING = /^the gRPC server at 127\.0\.0\.1:\d+ is not responding: no answer for \d+\.\d s$/;
const UNREACHABLE = /^the gRPC server at 127\.0\.0\.1:\d+ is unreachable: ./;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Outcome {
  startedAt: number;
  endedAt: number;
  /** HTTP status; 0 when no answer came */
  status: number;
  /** the error body's gRPC code and message, or the reply's program (`vpe`) */
  code?: number;
  message?: string;
  program?: string;
}

/** Workers calling POST /Vpe/ShowVersion/request one call after another, every outcome kept. */
class RestLoad {
  readonly outcomes: Outcome[] = [];
  /** when each call not answered yet started */
  private readonly pending = new Set<number>();
  private running = true;
  private readonly pool: Pool;
  private readonly loops: Promise<void>[];

  constructor(rest: string, workers: number) {
    this.pool = new Pool(rest, { connections: workers });
    this.loops = Array.from({ length: workers }, () => this.loop());
  }

  /** Calls that started at or after `t` and have ended. */
  since(t: number): Outcome[] {
    return this.outcomes.filter((o) => o.startedAt >= t);
  }

  /** No call started before `t` is still waiting. */
  endedBefore(t: number): boolean {
    for (const started of this.pending) if (started < t) return false;
    return true;
  }

  /** A success started at or after `t`. */
  servedSince(t: number): boolean {
    return this.outcomes.some((o) => o.startedAt >= t && o.status === 200 && o.program === 'vpe');
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    await this.pool.close();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const o = await this.call();
      this.outcomes.push(o);
      // an outage is not a busy loop
      if (o.status !== 200) await sleep(20);
    }
  }

  private async call(): Promise<Outcome> {
    const startedAt = performance.now();
    this.pending.add(startedAt);
    try {
      const res = await this.pool.request({
        method: 'POST',
        path: '/Vpe/ShowVersion/request',
        signal: AbortSignal.timeout(ABANDON_MS),
      });
      const body = (await res.body.json()) as { code?: number; message?: string; program?: string };
      return { startedAt, endedAt: performance.now(), status: res.statusCode, ...body };
    } catch (e) {
      return { startedAt, endedAt: performance.now(), status: 0, message: (e as Error).message };
    } finally {
      this.pending.delete(startedAt);
    }
  }
}

/** Outcomes counted as "status code message", the message's figures blurred. */
function summary(outcomes: Outcome[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const o of outcomes) {
    const key = `${o.status} ${o.code ?? ''} ${(o.message ?? o.program ?? '').replace(/[\d.]+/g, 'N')}`;
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

function print(t: TestContext, what: string, outcomes: Outcome[]): void {
  const longest = Math.max(0, ...outcomes.map((o) => o.endedAt - o.startedAt));
  t.diagnostic(`  ${what}: ${outcomes.length} calls, the longest ${longest.toFixed(0)} ms`);
  for (const [k, n] of summary(outcomes)) t.diagnostic(`    ${String(n).padStart(6)}  ${k}`);
}

/** Every call failed fast with 503 UNAVAILABLE and a message saying why. */
function checkRefused(outcomes: Outcome[], message: RegExp): void {
  for (const o of outcomes) {
    assert.deepEqual([o.status, o.code], [503, 14], JSON.stringify(o));
    assert.match(o.message!, message);
    assert.ok(o.endedAt - o.startedAt < HANG_MS, `a call took ${(o.endedAt - o.startedAt).toFixed(0)} ms`);
  }
}

async function readyz(stack: Stack): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${stack.rest}/readyz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The gateway's view of the server connection, from its metrics. */
async function upstream(stack: Stack): Promise<{ state?: string; up?: number; pings?: number; misses?: number }> {
  const m = await scrape(stack.gatewayMetricsPort);
  let state: string | undefined;
  for (const [k, v] of m)
    if (k.startsWith('vpp_rpc_gateway_upstream_state{') && v === 1) state = /state="(\w+)"/.exec(k)?.[1];
  return {
    state,
    up: m.get('vpp_rpc_gateway_upstream_up'),
    pings: m.get('vpp_rpc_gateway_upstream_pings_total'),
    misses: m.get('vpp_rpc_gateway_upstream_ping_misses_total'),
  };
}

/** The gateway's log lines, parsed, whose message matches, logged at or after `since` (ms since the epoch). */
function logged(
  stack: Stack,
  message: RegExp,
  since = 0,
): { level: number; time: number; msg: string; [k: string]: unknown }[] {
  return stack
    .gateway!.lines.filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: number; time: number; msg: string })
    .filter((l) => message.test(l.msg) && l.time >= since);
}

/** An NDJSON batch whose body stays open: items are written one at a time, answers read as they come. */
function openBatch(rest: string): Promise<{ send(item: unknown): void; next(): Promise<unknown>; end(): void }> {
  return new Promise((resolve, reject) => {
    const answers: unknown[] = [];
    const waiting: ((a: unknown) => void)[] = [];
    const req = http.request(`${rest}/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      agent: false,
    });
    req.on('error', reject);
    req.on('response', (res) => {
      let rest = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop()!;
        for (const line of lines) {
          const a: unknown = JSON.parse(line);
          const w = waiting.shift();
          if (w) w(a);
          else answers.push(a);
        }
      });
    });
    req.flushHeaders();
    resolve({
      send: (item) => req.write(JSON.stringify(item) + '\n'),
      next: () => (answers.length ? Promise.resolve(answers.shift()) : new Promise((r) => waiting.push(r))),
      end: () => req.end(),
    });
  });
}

describe('the gateway when its gRPC server stops answering, end to end under load', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack({ simArgs: ['--interfaces', '1'] });
    await untilReady(stack);
  });
  after(async () => {
    // SIGKILL reaches a stopped process too; stop() ends with it
    await stack?.stop();
  });

  it('frozen (SIGSTOP): calls and streams end with 503 at once, /readyz says so; after SIGCONT it serves again', async (t) => {
    const pid = stack.server.proc.pid!;
    let frozen = false;
    // should this process die while the server is stopped, the SIGTERM it leaves needs the server running
    const thawOnExit = (): void => {
      if (frozen) process.kill(pid, 'SIGCONT');
    };
    process.once('exit', thawOnExit);
    const load = new RestLoad(stack.rest, WORKERS);
    const watchers = new Callers(stack.grpcTarget, stack.rest, 1);
    try {
      const start = performance.now();
      await waitFor('REST calls succeed', () => load.servedSince(start), 60_000);
      // under way when the server stops: an event stream and a batch with its body still open
      const sse: Watcher = watchers.watch('sse');
      assert.equal(await sse.subscribed, true);
      const batch = await openBatch(stack.rest);
      batch.send({ rpc: 'Vpe/ShowVersion', id: 1 });
      assert.deepEqual(((await batch.next()) as { id: number }).id, 1);
      const before = await upstream(stack);
      assert.deepEqual([before.state, before.up], ['ready', 1]);

      const frozenAt = performance.now();
      const frozenSince = Date.now();
      process.kill(pid, 'SIGSTOP');
      frozen = true;
      batch.send({ rpc: 'Vpe/ShowVersion', id: 2 });
      const detectMs = await waitFor(
        'the gateway says the server is not responding',
        async () => (await upstream(stack)).state === 'not_responding',
        HANG_MS * 3,
      );
      const detectedAt = performance.now();
      t.diagnostic(`frozen: the gateway said not_responding ${detectMs.toFixed(0)} ms after SIGSTOP`);

      // what was under way ended with the server, saying why, not at its deadline (504)
      const caught = load.outcomes.filter((o) => o.startedAt < frozenAt && o.endedAt > frozenAt);
      print(t, 'calls in flight at the freeze', caught);
      for (const o of caught) {
        // answered before the freeze, and the answer still on its way
        if (o.status === 200) continue;
        assert.deepEqual([o.status, o.code], [503, 14], JSON.stringify(o));
        assert.match(o.message!, NOT_RESPONDING);
      }
      await waitFor('the calls made before it was noticed end', () => load.endedBefore(detectedAt), HANG_MS);
      const waited = load.outcomes.filter((o) => o.startedAt >= frozenAt && o.startedAt < detectedAt);
      print(t, 'calls made after the freeze, before it was noticed', waited);
      // the workers' calls waited on the frozen server until the gateway noticed: some were in flight at the freeze, or after it
      assert.ok(
        [...caught, ...waited].some((o) => o.status === 503),
        'calls that waited on the frozen server ended when it was noticed',
      );
      for (const o of waited) {
        assert.deepEqual([o.status, o.code], [503, 14], JSON.stringify(o));
        assert.match(o.message!, NOT_RESPONDING);
      }
      const streamEnd = await sse.ended;
      t.diagnostic(
        `  event stream ended ${(streamEnd.at - frozenAt).toFixed(0)} ms after SIGSTOP: ${streamEnd.message}`,
      );
      assert.equal(streamEnd.code, 14);
      assert.match(streamEnd.message, NOT_RESPONDING);
      const item = (await batch.next()) as { id: number; error?: { code: number; message: string } };
      t.diagnostic(`  batch item sent after SIGSTOP: ${JSON.stringify(item)}`);
      assert.equal(item.id, 2);
      assert.equal(item.error?.code, 14);
      assert.match(item.error.message, NOT_RESPONDING);
      batch.end();

      // meanwhile every call is refused at once, saying why, and readiness, metrics and log agree
      await waitFor('calls answered while frozen', () => load.since(detectedAt).length >= CALLS_WHILE_AWAY, 60_000);
      const away = load.since(detectedAt);
      print(t, 'calls made once it was noticed', away);
      checkRefused(away, NOT_RESPONDING);
      const ready = await readyz(stack);
      t.diagnostic(`  /readyz ${ready.status} ${JSON.stringify(ready.body)}`);
      assert.equal(ready.status, 503);
      assert.equal(ready.body.grpc, 'not_responding');
      assert.match(String(ready.body.reason), NOT_RESPONDING);
      const m = await upstream(stack);
      assert.equal(m.up, 0);
      assert.ok(m.misses! >= 2 && m.pings! >= m.misses!, JSON.stringify(m));
      // (a server starved of CPU before the freeze may have been noticed too: that was another outage)
      for (const l of logged(stack, /gRPC server/)) t.diagnostic(`  gateway log: ${JSON.stringify(l)}`);
      const warn = logged(stack, NOT_RESPONDING, frozenSince);
      assert.equal(warn.length, 1, 'one log line says it');
      assert.equal(warn[0]!.level, 40);
      assert.ok(Number(warn[0]!.silentMs) > 0);

      // running again: served again by itself
      const thawedAt = performance.now();
      const thawedSince = Date.now();
      process.kill(pid, 'SIGCONT');
      frozen = false;
      const backMs = await waitFor('REST calls succeed again', () => load.servedSince(thawedAt), 30_000);
      t.diagnostic(`  served again ${backMs.toFixed(0)} ms after SIGCONT`);
      await waitFor('/readyz says ready', async () => (await readyz(stack)).status === 200, 30_000);
      assert.equal((await upstream(stack)).state, 'ready');
      const back = logged(stack, /answers again/, thawedSince);
      assert.equal(back.length, 1, 'one log line says it is back');
      assert.ok(Number(back[0]!.downMs) > 0);
      t.diagnostic(`  gateway log: ${JSON.stringify(back[0])}`);
    } finally {
      if (frozen) process.kill(pid, 'SIGCONT');
      frozen = false;
      process.off('exit', thawOnExit);
      await load.stop();
      await watchers.close();
    }
  });

  it('killed (SIGKILL) and started again on the same port: 503 at once meanwhile, served after', async (t) => {
    const load = new RestLoad(stack.rest, WORKERS);
    try {
      const start = performance.now();
      await waitFor('REST calls succeed', () => load.servedSince(start), 60_000);
      const killedAt = performance.now();
      await stack.server.kill();
      const detectMs = await waitFor(
        'the gateway says the server is unreachable',
        async () => (await upstream(stack)).state === 'unreachable',
        HANG_MS,
      );
      const detectedAt = performance.now();
      t.diagnostic(`killed: the gateway said unreachable ${detectMs.toFixed(0)} ms after the kill`);
      const caught = load.outcomes.filter((o) => o.startedAt < killedAt && o.endedAt > killedAt);
      print(t, 'calls in flight at the kill', caught);
      for (const o of caught) if (o.status !== 200) assert.deepEqual([o.status, o.code], [503, 14], JSON.stringify(o));

      await waitFor('calls answered while down', () => load.since(detectedAt).length >= CALLS_WHILE_AWAY, 60_000);
      const away = load.since(detectedAt);
      print(t, 'calls made once it was noticed', away);
      checkRefused(away, UNREACHABLE);
      const ready = await readyz(stack);
      t.diagnostic(`  /readyz ${ready.status} ${JSON.stringify(ready.body)}`);
      assert.equal(ready.status, 503);
      assert.equal(ready.body.grpc, 'unreachable');
      assert.match(String(ready.body.reason), UNREACHABLE);

      const restartedAt = performance.now();
      await stack.restartServer();
      const listening = performance.now();
      const backMs = await waitFor('REST calls succeed again', () => load.servedSince(listening), 30_000);
      t.diagnostic(
        `  the new server listened ${(listening - restartedAt).toFixed(0)} ms after it was started; ` +
          `served again ${backMs.toFixed(0)} ms after that`,
      );
      // until the new server was started: refused at once, never left waiting
      checkRefused(
        load.outcomes.filter((o) => o.startedAt >= detectedAt && o.endedAt < restartedAt),
        UNREACHABLE,
      );
      await waitFor('/readyz says ready', async () => (await readyz(stack)).status === 200, 30_000);
      assert.equal((await upstream(stack)).state, 'ready');
      assert.equal(stack.gateway!.proc.exitCode, null, 'the gateway was not restarted');
    } finally {
      await load.stop();
    }
  });
});
