/**
 * A real VPP 26.06 (../shared/vpp) for end-to-end tests and benchmarks: each
 * instance runs in its own temporary folder and is stopped when the test file
 * ends, also when it fails.
 *
 * Where no real VPP can run here (no ../shared/vpp), real-VPP suites say so in
 * one line and are left out; under CI (CI=true) that is an error instead, so
 * CI always runs them.
 *
 * VPP_RPC_TEST_VPP picks the suites of a run (scripts/run-tests.ts sets it for
 * its tiers): `sim` declares only the suites that need no real VPP (on the
 * simulator, or on no VPP at all), `real` only the real-VPP ones; unset, both.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe } from 'node:test';
import { launchVpp, VPP_SH } from './vpp-launch.ts';

export { VPP_SH };

export interface RealVpp {
  dir: string;
  apiSocket: string;
  statsSocket: string;
  cliSocket: string;
  /** VPP's process id (changes on restart) */
  pid: number;
  /** run a VPP CLI command through vppctl; returns its output */
  cli(...args: string[]): string;
  /** VPP's own vpp_get_stats on this instance's segment: `ls` or `dump` with patterns */
  stats(...args: string[]): string;
  /** send a signal to VPP (SIGSTOP/SIGCONT for a hang, SIGKILL for a crash) */
  signal(sig: NodeJS.Signals): void;
  /** stop and start again in the same folder: a new pid, new message ids, a new stats segment */
  restart(): Promise<void>;
  /** stop VPP (TERM, then KILL) and remove its folder */
  stop(): Promise<void>;
}

export interface RealVppOptions {
  /** `poll-sleep-usec`: VPP sleeps when idle. Default 100 in tests (saves CPU on 2 cores); 0 polls */
  pollSleepUsec?: number;
  /** startup.conf lines appended verbatim */
  extraConf?: string;
}

const SELECTED = process.env.VPP_RPC_TEST_VPP ?? '';
if (!['', 'sim', 'real'].includes(SELECTED))
  throw new Error(`VPP_RPC_TEST_VPP is ${JSON.stringify(SELECTED)}: sim, real, or unset for both`);
/** whether this run declares the real-VPP suites */
export const runsRealVpp = SELECTED !== 'sim';
/** whether this run declares the suites that need no real VPP */
export const runsWithoutRealVpp = SELECTED !== 'real';

/** Why no real VPP can run here, or undefined when one can. */
export function realVppUnavailable(): string | undefined {
  if (!existsSync(VPP_SH)) return `no real VPP: ${VPP_SH} is missing`;
  return undefined;
}

function vppSh(env: NodeJS.ProcessEnv, ...args: string[]): string {
  return execFileSync('bash', [VPP_SH, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
}

/**
 * `vpp.sh stop DIR`, with this process's event loop running: VPP is its child (vpp-launch.ts), and
 * the script waits until VPP's pid is gone, which needs Node to reap it.
 */
function stopVpp(env: NodeJS.ProcessEnv, dir: string): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile('bash', [VPP_SH, 'stop', dir], { env: { ...process.env, ...env } }, (err) =>
      err ? reject(err) : resolve(),
    ),
  );
}

const running = new Set<RealVpp>();

// Registered when this module loads, at the top level of the test file: an
// `after` registered later, from inside a hook, would run when that hook's
// suite ends its first test, not when the file ends.
after(async () => {
  for (const v of [...running]) await v.stop();
});
// a test file that dies must not leave VPP polling a core
process.once('exit', () => {
  for (const v of running) {
    try {
      process.kill(v.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

/** Start a real VPP in a new temporary folder; stopped by `stop()` or when the test file ends. */
export async function startRealVpp(opts: RealVppOptions = {}): Promise<RealVpp> {
  const why = realVppUnavailable();
  if (why) throw new Error(why);
  const dir = mkdtempSync(join(tmpdir(), 'vpp-real-'));
  const env: NodeJS.ProcessEnv = {};
  const sleep = opts.pollSleepUsec ?? Number(process.env.VPP_POLL_SLEEP_USEC ?? 100);
  if (sleep > 0) env.VPP_POLL_SLEEP_USEC = String(sleep);
  if (opts.extraConf) env.VPP_EXTRA_CONF = opts.extraConf;
  const start = (): Promise<number> => launchVpp(dir, { ...process.env, ...env });
  const vpp: RealVpp = {
    dir,
    apiSocket: join(dir, 'api.sock'),
    statsSocket: join(dir, 'stats.sock'),
    cliSocket: join(dir, 'cli.sock'),
    pid: await start(),
    cli: (...args) => vppSh(env, 'cli', dir, ...args),
    stats: (...args) => vppSh(env, 'stats', dir, ...args),
    signal(sig) {
      process.kill(vpp.pid, sig);
    },
    async restart() {
      await stopVpp(env, dir);
      vpp.pid = await start();
    },
    async stop() {
      running.delete(vpp);
      try {
        // a stopped VPP ignores TERM until it runs again
        process.kill(vpp.pid, 'SIGCONT');
      } catch {
        /* already gone */
      }
      await stopVpp(env, dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  running.add(vpp);
  return vpp;
}

/**
 * A suite that needs a real VPP. Without one it prints why in one line and is
 * left out; under CI the missing VPP fails the suite instead.
 */
export function describeRealVpp(name: string, fn: () => void): void {
  if (!runsRealVpp) return;
  const why = realVppUnavailable();
  if (!why) {
    describe(`${name} [real VPP]`, fn);
    return;
  }
  if (process.env.CI) {
    describe(`${name} [real VPP]`, () => {
      throw new Error(`${why} (CI always runs the real-VPP tests)`);
    });
    return;
  }
  console.log(`# ${name}: real-VPP tests not run (${why})`);
}

/**
 * A suite that needs no real VPP (it runs on the simulator, or on no VPP), in a
 * file that has real-VPP suites too: a run of the real-VPP suites leaves it out.
 */
export function describeSim(name: string, fn: () => void): void {
  if (runsWithoutRealVpp) describe(name, fn);
}

/** Whether a real VPP is to be started for this run's real-VPP suites. */
export function startsRealVpp(): boolean {
  return runsRealVpp && realVppUnavailable() === undefined;
}
