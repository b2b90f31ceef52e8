/**
 * The journal in etcd against the journal in a file, in one run, on the VPP
 * bench/journal.ts measures against (real when ../shared/vpp is there):
 *
 * - a unary write (a route added, then deleted) through gRPC, p50, with
 *   `--journal file` and `--journal etcd`;
 * - a Batch/Call stream of route adds and deletes, routes/s, both ways.
 *
 * etcd is one member started here (/usr/bin/etcd), its data in a temporary
 * folder on the same disk as the file journal's state directory, so that
 * both pay a real fsync. Each side runs twice, alternating, and keeps its
 * better figure.
 *
 *   npx tsx bench/journal-etcd.ts       (alone)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EtcdClient } from '../lib/etcd/index.ts';
import { measure, startVpp, UNARY, type JournalFigures } from './journal.ts';
import { fmt } from './measure.ts';

const ETCD = '/usr/bin/etcd';
const BATCH = Number(process.env.BENCH_JOURNAL_ETCD_BATCH ?? 50_000);

export interface JournalEtcdFigures {
  vpp: JournalFigures['vpp'];
  unaryP50: { file: number; etcd: number };
  batch: { file: number; etcd: number };
}

/** A free loopback port, for etcd to take. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** One etcd member on loopback, its data on disk; stop() removes it. */
async function startEtcd(): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'vpp-rpc-bench-etcd-'));
  const [client, peer] = [await freePort(), await freePort()];
  const proc: ChildProcess = spawn(
    ETCD,
    [
      ...['--name', 'bench', '--data-dir', join(dir, 'data')],
      ...[
        '--listen-client-urls',
        `http://127.0.0.1:${client}`,
        '--advertise-client-urls',
        `http://127.0.0.1:${client}`,
      ],
      ...[
        '--listen-peer-urls',
        `http://127.0.0.1:${peer}`,
        '--initial-advertise-peer-urls',
        `http://127.0.0.1:${peer}`,
      ],
      ...['--initial-cluster', `bench=http://127.0.0.1:${peer}`, '--auto-compaction-retention', '1'],
      ...['--log-level', 'error', '--logger', 'zap'],
    ],
    { stdio: 'ignore' },
  );
  const kill = (): void => void proc.kill('SIGKILL');
  process.once('exit', kill);
  const endpoint = `127.0.0.1:${client}`;
  const probe = new EtcdClient({ endpoints: [endpoint], requestTimeoutMs: 1000 });
  try {
    const t0 = Date.now();
    for (;;) {
      try {
        await probe.ping();
        break;
      } catch (e) {
        if (proc.exitCode !== null || Date.now() - t0 > 60_000) throw new Error(`etcd did not start: ${String(e)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } finally {
    await probe.close();
  }
  return {
    endpoint,
    async stop() {
      process.removeListener('exit', kill);
      if (proc.exitCode === null && proc.signalCode === null) {
        const gone = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function benchJournalEtcd(say: (s?: string) => void): Promise<JournalEtcdFigures | undefined> {
  if (!existsSync(ETCD)) {
    say(`## The journal in etcd: not measured (${ETCD} is missing; make system-deps installs etcd-server)`);
    say();
    return undefined;
  }
  const etcd = await startEtcd();
  const vpp = await startVpp();
  try {
    const runs = { file: [] as { p50: number; batch: number }[], etcd: [] as { p50: number; batch: number }[] };
    const etcdArgs = ['--etcd', etcd.endpoint, '--node-name', 'bench'];
    for (let round = 0; round < 2; round++) {
      runs.file.push(await measure(vpp, 'file', { batch: BATCH }));
      runs.etcd.push(await measure(vpp, 'etcd', { batch: BATCH, args: etcdArgs }));
    }
    const p50 = (xs: { p50: number }[]): number => Math.min(...xs.map((x) => x.p50));
    const rate = (xs: { batch: number }[]): number => Math.max(...xs.map((x) => x.batch));
    const figures: JournalEtcdFigures = {
      vpp: vpp.kind,
      unaryP50: { file: p50(runs.file), etcd: p50(runs.etcd) },
      batch: { file: rate(runs.file), etcd: rate(runs.etcd) },
    };
    const { unaryP50: u, batch: b } = figures;
    say(`## The journal in etcd (${vpp.kind})`);
    say();
    say(`- command: \`npx tsx bench/journal-etcd.ts\` (env BENCH_JOURNAL_UNARY, BENCH_JOURNAL_ETCD_BATCH)`);
    say(`- etcd: one member started by the bench, its data on the disk of the file journal (${tmpdir()})`);
    say(`- each side twice, alternating, the better figure kept`);
    say();
    say('| | journal file | journal etcd | etcd / file |');
    say('| --- | ---: | ---: | ---: |');
    say(
      `| unary write (route add or delete), gRPC, p50 ms (${fmt.int(UNARY)} calls) | ${fmt.ms(u.file)} | ${fmt.ms(u.etcd)} | ${(u.etcd / u.file).toFixed(2)} |`,
    );
    say(
      `| Batch/Call, window 1024, routes/s (${fmt.int(BATCH)} adds and deletes) | ${fmt.int(b.file)} | ${fmt.int(b.etcd)} | ${(b.etcd / b.file).toFixed(2)} |`,
    );
    say();
    return figures;
  } finally {
    await vpp.stop();
    await etcd.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await benchJournalEtcd((s = '') => console.log(s));
