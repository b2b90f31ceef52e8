/**
 * Soak: many calls at once for a while, over gRPC and REST, mixing unary
 * calls, dumps and event streams that come and go. No call may fail or get
 * another's answer; afterwards nothing may be left behind: no watcher in the
 * server or in VPP, no open descriptor more than before, no memory growth
 * beyond a generous bound (measured idle after a warm-up, and idle at the end).
 *
 * SOAK_SECONDS sets the length (default 4, for `make test`; `make soak` runs
 * it for minutes).
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { simControl } from './support/http.ts';
import { ALL_OPS, Callers, mix, workers, type Watcher, type WatchKind } from './support/load.ts';
import { mib, openFds, rssBytes, scrape, waitFor } from './support/observe.ts';
import { startStack, type Stack } from './support/stack.ts';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 4);
const WARMUP_SECONDS = Math.min(10, Math.max(1, SECONDS / 10));
const INTERFACES = 50;
/** calls in flight at all times, over both paths */
const CALLERS = 48;
/** loops that open an event stream, hold it a moment, and leave */
const WATCHER_LOOPS = 6;
/** the old-space limit of the server and the gateway here */
const HEAP_CAP_MIB = 192;
/** memory may grow this much from the idle warm-up to the idle end before it counts as a leak */
const RSS_SLACK = (bytes: number): number => Math.max(64 * 1048576, bytes / 2);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const KINDS: WatchKind[] = ['grpc', 'sse', 'ndjson'];

interface Idle {
  fds: Record<string, number>;
  rss: Record<string, number>;
}

describe('soak', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({
      simArgs: ['--interfaces', String(INTERFACES)],
      // V8 sizes its heap limit from the machine's memory and collects lazily below it, so that RSS
      // swings by hundreds of MiB with no leak; under a cap it must collect, RSS shows what is kept,
      // and a leak ends in an out-of-memory crash instead of hiding in a lazy heap
      env: { LOG_LEVEL: 'warn', NODE_OPTIONS: `--max-old-space-size=${HEAP_CAP_MIB}` },
    });
  });
  after(() => stack?.stop());

  const processes = (): Record<string, number> => ({
    sim: stack.sim!.proc.pid!,
    server: stack.server.proc.pid!,
    gateway: stack.gateway!.proc.pid!,
  });

  /** Everything let go: nothing in flight, no watcher on either side. */
  async function settled(): Promise<void> {
    await waitFor(
      'nothing in flight and no watcher in the server',
      async () => {
        const m = await scrape(stack.serverMetricsPort);
        return (
          m.get('vpp_rpc_grpc_in_flight') === 0 &&
          m.get('vpp_rpc_vpp_in_flight') === 0 &&
          m.get('vpp_rpc_vpp_event_watchers') === 0
        );
      },
      15_000,
    );
    await waitFor('no subscription in VPP', async () => {
      const s = (await simControl(stack.socket, { cmd: 'state' })).state as { interfaceEventSubscribers: unknown[] };
      return s.interfaceEventSubscribers.length === 0;
    });
  }

  function idle(): Idle {
    const fds: Record<string, number> = {};
    const rss: Record<string, number> = {};
    for (const [name, pid] of Object.entries(processes())) {
      fds[name] = openFds(pid);
      rss[name] = rssBytes(pid);
    }
    return { fds, rss };
  }

  /** The load for `seconds`: checked calls, event streams that come and go, and interfaces switched for events. */
  async function run(seconds: number) {
    const c = new Callers(stack.grpcTarget, stack.rest, INTERFACES, undefined, CALLERS);
    const watched = { opened: 0, events: 0, unexpected: [] as string[] };
    const valid = (w: Watcher): boolean => w.events.every((k) => k >= 1 && k <= INTERFACES);
    // long-lived streams, one of each kind, which must last the whole run
    const lasting = KINDS.map((k) => c.watch(k));
    assert.deepEqual(await Promise.all(lasting.map((w) => w.subscribed)), [true, true, true]);
    let lastingEnded = false;
    void Promise.race(lasting.map((w) => w.ended)).then(() => (lastingEnded = true));
    const calls = workers(CALLERS, mix(c, Object.values(ALL_OPS)));
    const switches = workers(2, async (w, i) => {
      const ok = await c.setFlags(w === 0 ? 'grpc' : 'rest', 1 + ((i * 7 + w) % INTERFACES), i % 2 === 0);
      await sleep(5);
      return ok;
    });
    const churn = workers(WATCHER_LOOPS, async (w, i) => {
      const watcher = c.watch(KINDS[(w + i) % KINDS.length]!);
      watched.opened++;
      if (!(await watcher.subscribed)) {
        watched.unexpected.push(`${watcher.kind}: not subscribed: ${(await watcher.ended).message}`);
        return false;
      }
      await sleep(20 + ((w * 31 + i * 17) % 180));
      watcher.cancel();
      const end = await watcher.ended;
      watched.events += watcher.events.length;
      // only the caller's leaving ends it: CANCELLED over gRPC, the aborted request over REST
      if (end.code !== (watcher.kind === 'grpc' ? 1 : -1) || !valid(watcher))
        watched.unexpected.push(`${watcher.kind}: ended ${end.code} ${end.message}`);
      return true;
    });
    const rssSamples: Record<string, number>[] = [];
    const t0 = performance.now();
    while (performance.now() - t0 < seconds * 1000) {
      await sleep(Math.min(1000, seconds * 250));
      rssSamples.push(idle().rss);
    }
    await Promise.all([calls.stop(), switches.stop(), churn.stop()]);
    const elapsed = (performance.now() - t0) / 1000;
    assert.equal(lastingEnded, false, 'a long-lived event stream ended by itself');
    for (const w of lasting) {
      w.cancel();
      assert.ok(w.events.length > 0, `${w.kind} saw no event`);
      assert.ok(valid(w));
      watched.events += w.events.length;
    }
    await Promise.all(lasting.map((w) => w.ended));
    await c.close();
    return { tally: c.tally, watched, elapsed, rssSamples };
  }

  it(`runs ${SECONDS} s of mixed calls and event streams without an error or a leak`, async (t) => {
    // warm-up: code compiled, pools and buffers at their working size
    const warm = await run(WARMUP_SECONDS);
    assert.equal(warm.tally.failures, 0, JSON.stringify(warm.tally.rows()));
    await settled();
    const start = idle();

    const soak = await run(SECONDS);
    await settled();
    // descriptors go back to where they were once the callers' connections are closed
    await waitFor(
      'open descriptors back to where they were',
      () => Object.entries(idle().fds).every(([name, n]) => n <= start.fds[name]!),
      15_000,
    ).catch(() => {}); // the assertions below say which process kept what
    const end = idle();

    const { tally, watched, elapsed } = soak;
    t.diagnostic(
      `soak: ${elapsed.toFixed(1)} s, ${tally.total} calls (${(tally.total / elapsed).toFixed(0)}/s), ` +
        `${CALLERS} in flight; ${watched.opened} event streams opened and closed, 3 lasting, ${watched.events} events`,
    );
    for (const r of tally.rows()) t.diagnostic(`  ${String(r.calls).padStart(7)}  ${r.via} ${r.op} → ${r.outcome}`);
    for (const name of Object.keys(start.rss)) {
      const peak = Math.max(...soak.rssSamples.map((s) => s[name]!));
      t.diagnostic(
        `  ${name.padEnd(7)} RSS idle ${mib(start.rss[name]!)} → ${mib(end.rss[name]!)} (peak under load ${mib(peak)}); ` +
          `open descriptors ${start.fds[name]} → ${end.fds[name]}`,
      );
    }

    assert.deepEqual(tally.problems, []);
    assert.equal(tally.failures, 0, JSON.stringify(tally.rows()));
    assert.ok(tally.total > CALLERS);
    assert.deepEqual(watched.unexpected, []);
    assert.ok(watched.opened > WATCHER_LOOPS);
    for (const name of Object.keys(start.fds))
      assert.ok(
        end.fds[name]! <= start.fds[name]!,
        `${name} holds ${end.fds[name]! - start.fds[name]!} more descriptors`,
      );
    for (const name of ['server', 'gateway'])
      assert.ok(
        end.rss[name]! - start.rss[name]! < RSS_SLACK(start.rss[name]!),
        `${name} grew from ${mib(start.rss[name]!)} to ${mib(end.rss[name]!)}`,
      );
  });
});
