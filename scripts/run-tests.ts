/**
 * Runs the test files with node:test, as many at a time as there are cores, the longest first,
 * and the files that wait on etcd one at a time in a lane of their own beside them.
 *   npm test               every test file, on the simulator and on the real VPP of ../shared
 *   npm test -- unit       tests beside the code, less their real-VPP suites: the quick loop
 *   npm test -- sim        end-to-end tests (test/) on the simulator, or on no VPP
 *   npm test -- vpp        every real-VPP suite, end to end or beside the code
 *   npm test -- e2e        end-to-end tests (test/), on both
 *   npm test -- <path…>    the given files or folders, on both
 * unit, sim and vpp together are what `npm test` runs. A tier picks its files,
 * and VPP_RPC_TEST_VPP (test/support/real-vpp.ts) the suites they declare.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { compileTree } from './compile-tests.ts';
import { filesBelow } from './source-files.ts';
import { PROTO_CACHE_ENV, protoCacheForRun } from './test-proto-cache.ts';

/**
 * The files that take longest, longest first (measured on the 2-core machines): started
 * first, they run beside the many short ones instead of alone at the end. The rest follow
 * in name order.
 */
const LONGEST_FIRST = [
  'test/journal.test.ts',
  'test/journal-server-kill.test.ts',
  'test/fleet-etcd.test.ts',
  'test/batch-rest.test.ts',
  'test/faults.test.ts',
  'test/hostile.test.ts',
  'test/journal-etcd.test.ts',
  'test/postman.test.ts',
  'test/hang.test.ts',
  'test/sim-vs-real.test.ts',
  'test/etcd-client.test.ts',
  'test/real-vpp-sweep.test.ts',
  'test/fleet-cli.test.ts',
  'test/rest.test.ts',
  'test/batch-grpc.test.ts',
  'test/stats.test.ts',
  'test/journal-export.test.ts',
  'test/docs-browser.test.ts',
  'test/examples.test.ts',
  'test/readiness.test.ts',
  'test/gateway-failfast.test.ts',
  'test/fleet-gateway.test.ts',
  'test/journal-storage.test.ts',
  'test/real-vpp-config.test.ts',
  'test/security-hardened.test.ts',
  'test/real-vpp-quirks.test.ts',
  'test/soak.test.ts',
  'test/docker.test.ts',
  'test/interface-index-default.test.ts',
  'test/stray-messages.test.ts',
  'test/grpc.test.ts',
  'test/security-limits.test.ts',
  'test/rest-empty-body.test.ts',
  'test/grpc-health-reflection.test.ts',
  'test/proto-toolchains.test.ts',
  'test/sim-process.test.ts',
  'test/rest-routing.test.ts',
  'generators/openapi/document.test.ts',
  'vpp/api/load-proto.test.ts',
  'lib/protobuf/python.test.ts',
  'vpp/client/liveness.test.ts',
  'vpp/client/dump.test.ts',
  'gateway/batch/stream.test.ts',
  'lib/protobuf/proto-index.test.ts',
];

const find = (path: string): string[] => filesBelow(path, (name) => name.endsWith('.test.ts'));

const source = (file: string): string => readFileSync(file, 'utf8');
/** a file that declares real-VPP suites (test/support/real-vpp.ts, backends.ts) */
const hasRealVppSuites = (file: string): boolean => /\b(describeRealVpp|forEachBackend)\(/.test(source(file));
/** a file that declares some suite or test that needs no real VPP, at the top level */
const hasOtherSuites = (file: string): boolean =>
  /^(describe|describeSim|it|test|forEachBackend)\(/m.test(source(file));
const endToEnd = (file: string): boolean => file.startsWith('test/');

interface Tier {
  files: string[];
  /** VPP_RPC_TEST_VPP for the run: the suites of one VPP, or unset for both */
  vpp?: 'sim' | 'real';
}

function tier(args: string[]): Tier {
  const all = (): string[] => find('.');
  switch (args[0]) {
    case undefined:
      return { files: all() };
    case 'unit':
      return { files: all().filter((f) => !endToEnd(f)), vpp: 'sim' };
    case 'sim':
      return { files: all().filter((f) => endToEnd(f) && hasOtherSuites(f)), vpp: 'sim' };
    case 'vpp':
      return { files: all().filter(hasRealVppSuites), vpp: 'real' };
    case 'e2e':
      return { files: all().filter(endToEnd) };
    default:
      return { files: args.flatMap(find) };
  }
}

function longestFirst(files: string[]): string[] {
  const rank = (f: string): number => {
    const i = LONGEST_FIRST.indexOf(f);
    return i < 0 ? LONGEST_FIRST.length : i;
  };
  return [...files].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

const { files, vpp } = tier(process.argv.slice(2));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// the model of proto/, made once for the run instead of once per test process
const protoCache = protoCacheForRun();
const env = { ...process.env, [PROTO_CACHE_ENV]: protoCache.dir, ...(vpp ? { VPP_RPC_TEST_VPP: vpp } : {}) };
const concurrency = Number(process.env.TEST_CONCURRENCY ?? availableParallelism());
// the tests run as JavaScript translated once for the run (compile-tests.ts), with plain node
const compiled = await compileTree();
/** what the run made for itself, removed when it ends, also when it is interrupted */
const removeMade = (): void => {
  compiled.remove();
  protoCache.remove();
};
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    removeMade();
    process.exit(1);
  });

/**
 * Files that spend their time waiting on etcd (leases that expire, elections, members that
 * come back) rather than on the CPU. The others keep the cores busy: these run beside them,
 * one at a time, in a lane of their own, instead of taking a core's turn to wait.
 */
const waitsOnEtcd = (file: string): boolean => /\b(describeEtcd|startEtcdCluster)\(/.test(source(file));

/** node:test over `files`; its report on stdout as it comes (`live`), or all at once when it ends. */
function run(files: string[], jobs: number, live: boolean): Promise<{ status: number; report: string }> {
  return new Promise((resolve) => {
    const args = ['--enable-source-maps', '--test', `--test-concurrency=${jobs}`, ...files.map(compiled.jsOf)];
    const p = spawn(process.execPath, args, {
      stdio: ['ignore', live ? 'inherit' : 'pipe', 'inherit'],
      env,
    });
    const chunks: Buffer[] = [];
    p.stdout?.on('data', (d: Buffer) => chunks.push(d));
    p.on('close', (code) => resolve({ status: code ?? 1, report: Buffer.concat(chunks).toString() }));
  });
}

const ordered = longestFirst(files);
const lanes = [ordered.filter((f) => !waitsOnEtcd(f)), ordered.filter(waitsOnEtcd)].filter((l) => l.length > 0);
// one report at a time: the first lane's as it comes, the other's after it
const results = await Promise.all(lanes.map((l, i) => run(l, i === 0 ? concurrency : 1, i === 0)));
for (const r of results.slice(1)) process.stdout.write(r.report);
removeMade();
process.exit(results.some((r) => r.status !== 0) ? 1 : 0);
