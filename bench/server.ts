/** The server a benchmark starts: compiled, on loopback, logging warnings only, with a state directory of its own. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChild, type Child } from '../lib/child.ts';

/** A state directory of its own, removed when the benchmark ends. */
export function benchStateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vpp-rpc-bench-state-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface BenchServerOptions {
  /** more flags; the journal's in a state directory of its own unless they say otherwise */
  args?: string[];
  env?: Record<string, string>;
  /** its metrics address (default: none) */
  metricsListen?: string;
  /** its state directory (default: a new one, see benchStateDir) */
  stateDir?: string;
  name?: string;
  timeoutMs?: number;
}

/** A server in front of the VPP at `socket`, listening on any free loopback port. */
export function startBenchServer(socket: string, o: BenchServerOptions = {}): Promise<Child> {
  return startChild({
    name: o.name ?? 'server',
    entry: 'server/main.ts',
    args: [
      '--vpp-socket',
      socket,
      '--listen',
      '127.0.0.1:0',
      '--metrics-listen',
      o.metricsListen ?? 'off',
      '--state-dir',
      o.stateDir ?? benchStateDir(),
      ...(o.args ?? []),
    ],
    env: { LOG_LEVEL: 'warn', ...o.env },
    readyMessage: 'gRPC server listening',
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
  });
}
