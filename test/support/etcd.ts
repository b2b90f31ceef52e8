/**
 * Real etcd clusters for tests: N members (default 3) of the Debian etcd
 * (/usr/bin/etcd, `make system-deps`) on free loopback ports, each with its
 * own data folder, stopped and removed when the test file ends, also when it
 * fails. A member can be killed, stopped, frozen (SIGSTOP) and started again.
 *
 * Where etcd is missing, etcd suites say so in one line and are left out;
 * under CI (CI=true) that is an error instead, so CI always runs them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe } from 'node:test';
import { EtcdClient } from '../../lib/etcd/index.ts';
import { waitFor } from './observe.ts';
import { stopProcess } from './stopped.ts';

export const ETCD = '/usr/bin/etcd';

/** How long a cluster may take to serve, as a hang guard. */
const START_MS = 60_000;

export interface EtcdMember {
  name: string;
  /** its client address, `127.0.0.1:port` */
  endpoint: string;
  /** the process id while it runs */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** SIGKILL: a crash; resolves once the process is gone */
  kill(): Promise<void>;
  /** SIGTERM: a clean stop; resolves once the process is gone */
  stop(): Promise<void>;
  /** SIGSTOP, resolved once every thread has stopped: the process hangs, its connections stay open */
  freeze(): Promise<void>;
  /** SIGCONT */
  thaw(): void;
  /** start it again on its data and ports (after kill or stop); does not wait for it to serve */
  start(): void;
}

export interface EtcdCluster {
  members: EtcdMember[];
  endpoints: string[];
  member(endpoint: string): EtcdMember;
  /** until every running member answers and knows a leader */
  untilHealthy(timeoutMs?: number): Promise<void>;
  /** thaw the frozen members, start the stopped ones, and wait until all serve */
  restore(): Promise<void>;
  /** the member that is the cluster's leader now (as the first running member to answer knows it) */
  leader(): Promise<EtcdMember>;
  /** stop every member and remove the data folders */
  stop(): Promise<void>;
}

/** Why no etcd can run here, or undefined when one can. */
export function etcdUnavailable(): string | undefined {
  return existsSync(ETCD) ? undefined : `no etcd: ${ETCD} is missing (make system-deps installs etcd-server)`;
}

/** A free TCP port on loopback (bound, then released for etcd to take). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

const clusters = new Set<EtcdCluster>();
const processes = new Set<ChildProcess>();

// Registered when this module loads, at the top level of the test file (an
// `after` registered from inside a hook would run when that hook's suite
// ends its first test, not when the file ends).
after(async () => {
  for (const c of [...clusters]) await c.stop();
});
// a test file that dies must not leave etcd running
process.once('exit', () => {
  for (const p of processes) p.kill('SIGKILL');
});

/** Data on tmpfs when there is one: etcd fsyncs every write, which a shared disk makes slow. */
function baseDir(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

function exited(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => p.once('exit', () => resolve()));
}

export async function startEtcdCluster(opts: { size?: number } = {}): Promise<EtcdCluster> {
  const why = etcdUnavailable();
  if (why) throw new Error(why);
  const size = opts.size ?? 3;
  const dir = mkdtempSync(join(baseDir(), 'etcd-test-'));
  const token = `test-${randomUUID()}`;
  const ports: number[] = [];
  while (ports.length < size * 2) {
    const p = await freePort();
    if (!ports.includes(p)) ports.push(p);
  }
  const specs = Array.from({ length: size }, (_, i) => ({
    name: `m${i}`,
    client: `http://127.0.0.1:${ports[2 * i]}`,
    peer: `http://127.0.0.1:${ports[2 * i + 1]}`,
  }));
  const initialCluster = specs.map((s) => `${s.name}=${s.peer}`).join(',');

  const members: EtcdMember[] = specs.map((s) => {
    const logPath = join(dir, `${s.name}.log`);
    const args = [
      ...['--name', s.name, '--data-dir', join(dir, s.name)],
      ...['--listen-client-urls', s.client, '--advertise-client-urls', s.client],
      ...['--listen-peer-urls', s.peer, '--initial-advertise-peer-urls', s.peer],
      ...['--initial-cluster', initialCluster, '--initial-cluster-state', 'new', '--initial-cluster-token', token],
      ...['--auto-compaction-mode', 'revision', '--auto-compaction-retention', '1000'],
      ...['--logger', 'zap', '--log-level', 'error', '--log-outputs', 'stderr'],
    ];
    let proc: ChildProcess | undefined;
    const running = (): boolean => !!proc && proc.exitCode === null && proc.signalCode === null;
    const signalled = async (sig: NodeJS.Signals): Promise<void> => {
      const p = proc;
      if (!p || !running()) return;
      // a frozen process would not act on TERM until it runs again
      p.kill('SIGCONT');
      p.kill(sig);
      await exited(p);
    };
    const m: EtcdMember = {
      name: s.name,
      endpoint: s.client.slice('http://'.length),
      get pid() {
        return running() ? proc!.pid : undefined;
      },
      get running() {
        return running();
      },
      kill: () => signalled('SIGKILL'),
      async stop() {
        const p = proc;
        if (!p || !running()) return;
        const killer = setTimeout(() => p.kill('SIGKILL'), 10_000);
        await signalled('SIGTERM');
        clearTimeout(killer);
      },
      async freeze() {
        if (proc && running()) await stopProcess(proc.pid!, `etcd ${s.name}`);
      },
      thaw() {
        proc?.kill('SIGCONT');
      },
      start() {
        if (running()) throw new Error(`etcd ${s.name} is running already`);
        const log = openSync(logPath, 'a');
        const p = spawn(ETCD, args, { stdio: ['ignore', log, log] });
        closeSync(log);
        processes.add(p);
        p.once('exit', () => processes.delete(p));
        proc = p;
      },
    };
    return m;
  });

  const logs = (): string =>
    specs
      .map((s) => {
        const path = join(dir, `${s.name}.log`);
        return existsSync(path) ? `${s.name}:\n${readFileSync(path, 'utf8').slice(-1500)}` : `${s.name}: no log`;
      })
      .join('\n');

  const cluster: EtcdCluster = {
    members,
    endpoints: members.map((m) => m.endpoint),
    member(endpoint) {
      const m = members.find((x) => x.endpoint === endpoint);
      if (!m) throw new Error(`no member at ${endpoint}`);
      return m;
    },
    async untilHealthy(timeoutMs = START_MS) {
      const running = members.filter((m) => m.running);
      const clients = running.map((m) => new EtcdClient({ endpoints: [m.endpoint], requestTimeoutMs: 1000 }));
      try {
        await waitFor(
          `etcd members ${running.map((m) => m.endpoint).join(', ')} serving`,
          async () =>
            (
              await Promise.all(
                clients.map((c) =>
                  c.ping().then(
                    () => true,
                    () => false,
                  ),
                ),
              )
            ).every(Boolean),
          timeoutMs,
        );
      } catch (e) {
        throw new Error(`${(e as Error).message}\n${logs()}`);
      } finally {
        await Promise.all(clients.map((c) => c.close()));
      }
    },
    async restore() {
      for (const m of members) {
        if (m.running) m.thaw();
        else m.start();
      }
      await cluster.untilHealthy();
    },
    async leader() {
      for (const m of members.filter((x) => x.running)) {
        const client = new EtcdClient({ endpoints: [m.endpoint], requestTimeoutMs: 1000 });
        try {
          const s = await client.status();
          if (s.leader === '0') continue;
          for (const other of members.filter((x) => x.running)) {
            const c = new EtcdClient({ endpoints: [other.endpoint], requestTimeoutMs: 1000 });
            const id = await c.status().then(
              (x) => x.memberId,
              () => undefined,
            );
            await c.close();
            if (id === s.leader) return other;
          }
        } catch {
          /* not answering: ask the next one */
        } finally {
          await client.close();
        }
      }
      throw new Error('no member knows a running leader');
    },
    async stop() {
      clusters.delete(cluster);
      await Promise.all(members.map((m) => m.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  clusters.add(cluster);
  for (const m of members) m.start();
  await cluster.untilHealthy();
  return cluster;
}

/**
 * A suite that needs etcd. Without it it prints why in one line and is left
 * out; under CI the missing etcd fails the suite instead.
 */
export function describeEtcd(name: string, fn: () => void): void {
  const why = etcdUnavailable();
  if (!why) {
    describe(`${name} [etcd]`, fn);
    return;
  }
  if (process.env.CI) {
    describe(`${name} [etcd]`, () => {
      throw new Error(`${why} (CI always runs the etcd tests)`);
    });
    return;
  }
  console.log(`# ${name}: etcd tests not run (${why})`);
}
