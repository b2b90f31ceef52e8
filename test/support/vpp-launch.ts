/**
 * Starts the real VPP of ../shared/vpp in a folder, as `vpp.sh start DIR` does, without going
 * through the script once VPP is unpacked.
 *
 * Why: `vpp.sh start` first checks VPP's run-time Debian packages, by piping `ldconfig -p` into
 * `grep -q` under `pipefail`. When grep finds its library and exits before ldconfig has written
 * all of its output, ldconfig dies of SIGPIPE, the check takes the library for missing, and the
 * script runs `apt-get update` and `apt-get install`: 2 to 3 s and 3 CPU-s for nothing. On a busy
 * 2-core machine that happened at 17 of 41 starts in one suite run. The first start on a machine
 * still goes through the script, which installs what is really missing and unpacks VPP.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SHARED } from './paths.ts';

export const VPP_SH = join(SHARED, 'vpp', 'vpp.sh');
const TARBALL = join(SHARED, 'vpp', 'vpp-26.06.tar.xz');

/** Where vpp.sh unpacks VPP: its VPP_HOME, by default a folder of /tmp per user. */
function vppHome(env: NodeJS.ProcessEnv): string {
  return env.VPP_HOME || `/tmp/vpp-26.06-${process.getuid?.() ?? 0}`;
}

/** VPP is unpacked, from the tarball as it is now (vpp.sh's own test: its stamp is newer). */
function unpacked(home: string): boolean {
  const stamp = statSync(join(home, '.unpacked'), { throwIfNoEntry: false });
  const tarball = statSync(TARBALL, { throwIfNoEntry: false });
  return existsSync(join(home, 'bin', 'vpp')) && !!stamp && !!tarball && stamp.mtimeMs >= tarball.mtimeMs;
}

/** The startup.conf that vpp.sh writes: sockets in `dir`, no DPDK, 4 KiB pages, a 32 MiB stats segment. */
function startupConf(dir: string, home: string, env: NodeJS.ProcessEnv): string {
  const sleepUsec = env.VPP_POLL_SLEEP_USEC ? `\n  poll-sleep-usec ${env.VPP_POLL_SLEEP_USEC}` : '';
  return `unix {
  nodaemon
  cli-listen ${dir}/cli.sock
  log ${dir}/vpp.log${sleepUsec}
}
api-trace { on }
socksvr { socket-name ${dir}/api.sock }
plugins {
  path ${home}/lib/vpp_plugins
  plugin dpdk_plugin.so { disable }
}
buffers { buffers-per-numa 16384 default data-size 2048 page-size 4k }
statseg { size 32m page-size 4k socket-name ${dir}/stats.sock }
memory { main-heap-page-size 4k }
cpu { main-core 0 }
${env.VPP_EXTRA_CONF ?? ''}
`;
}

function failure(dir: string, why: string): Error {
  const log = existsSync(join(dir, 'stdout.log')) ? readFileSync(join(dir, 'stdout.log'), 'utf8') : '';
  return new Error(`VPP did not start in ${dir}: ${why}\n${log.slice(-2000)}`);
}

/**
 * Start VPP with its sockets in `dir` (api.sock, cli.sock, stats.sock; its pid in vpp.pid, so
 * that `vpp.sh stop DIR` stops it) and resolve with its pid once its API socket is there.
 */
export async function launchVpp(dir: string, env: NodeJS.ProcessEnv): Promise<number> {
  const home = vppHome(env);
  if (!unpacked(home)) {
    const r = spawnSync('bash', [VPP_SH, 'start', dir], { env, encoding: 'utf8' });
    if (r.status !== 0) throw failure(dir, r.stderr);
    return Number(r.stdout.trim().split('\n').pop());
  }
  for (const s of ['api.sock', 'cli.sock', 'stats.sock']) rmSync(join(dir, s), { force: true });
  const conf = join(dir, 'startup.conf');
  writeFileSync(conf, startupConf(dir, home, env));
  const out = openSync(join(dir, 'stdout.log'), 'w');
  // a session of its own, as vpp.sh's setsid: a signal to the test's process group spares it
  const vpp = spawn(join(home, 'bin', 'vpp'), ['-c', conf], { detached: true, stdio: ['ignore', out, out], env });
  closeSync(out);
  vpp.unref();
  const pid = vpp.pid;
  if (pid === undefined) throw failure(dir, 'no process');
  writeFileSync(join(dir, 'vpp.pid'), `${pid}\n`);
  // vpp.sh waits 20 s; a hang guard, polled for the socket
  const exited = (): boolean => vpp.exitCode !== null || vpp.signalCode !== null;
  for (let i = 0; i < 2000 && !exited(); i++) {
    if (existsSync(join(dir, 'api.sock'))) return pid;
    await sleep(10);
  }
  throw failure(dir, exited() ? 'VPP exited' : 'no API socket after 20 s');
}
