/**
 * Start the product's processes (simulator, server, gateway) as children and
 * wait until each says it is listening. Used by `make run` and by end-to-end tests.
 * They run from the compiled JavaScript, as users run them (see compiled.ts).
 * A child says so over its IPC channel (announceReady in log.ts), whatever its
 * log level: readiness must not hang on a log line a level hides.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { entryArgs } from './compiled.ts';
import { READY_MESSAGE_TYPE } from './log.ts';
import { PROJECT_ROOT } from './project.ts';

export interface Child {
  name: string;
  proc: ChildProcess;
  /** the ready record the child sent: `msg` and where it listens (grpc, rest, metrics, socket…) */
  ready: Record<string, unknown>;
  /** every log line seen so far (kept for test diagnostics) */
  lines: string[];
  /** SIGTERM, then SIGKILL after graceMs; resolves with the exit code */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL at once */
  kill(): Promise<void>;
  exited: Promise<number | null>;
}

export interface StartOptions {
  name: string;
  /** entry file below the project root, e.g. `server/main.ts` */
  entry: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** the `msg` of the ready record that means "ready" */
  readyMessage: string;
  /** default 120 s: a guard against a child that never gets ready, generous for loaded machines */
  timeoutMs?: number;
  /** forward the child's output to this process's stderr */
  echo?: boolean;
  /**
   * A command the process runs under (`unshare --mount … sh -c '…; exec "$@"'`):
   * it must end by exec'ing its arguments, so that the child is the process.
   */
  wrap?: string[];
}

const MAX_LINES = 2000;

/** Children still running. A parent that exits, even by an uncaught error, takes them with it. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of running) p.kill('SIGTERM');
});

export function startChild(opts: StartOptions): Promise<Child> {
  const argv = [process.execPath, ...entryArgs(opts.entry), ...(opts.args ?? [])];
  const [command, ...rest] = [...(opts.wrap ?? []), ...argv];
  const proc = spawn(command!, rest, {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  running.add(proc);
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) =>
    proc.once('exit', (code) => {
      running.delete(proc);
      resolve(code);
    }),
  );
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      proc.kill('SIGKILL');
      reject(
        new Error(`${opts.name} did not get ready in ${opts.timeoutMs ?? 120_000} ms:\n${lines.slice(-20).join('\n')}`),
      );
    }, opts.timeoutMs ?? 120_000);
    const onLine = (line: string): void => {
      lines.push(line);
      if (lines.length > MAX_LINES) lines.splice(0, lines.length - MAX_LINES);
      if (opts.echo) process.stderr.write(`[${opts.name}] ${line}\n`);
    };
    const onMessage = (m: unknown): void => {
      const rec = m as Record<string, unknown> | null;
      if (settled || rec?.type !== READY_MESSAGE_TYPE || rec.msg !== opts.readyMessage) return;
      settled = true;
      clearTimeout(timer);
      proc.off('message', onMessage);
      // nothing else comes this way: the channel must not keep this process alive
      proc.disconnect();
      const stop = async (graceMs = 5000): Promise<number | null> => {
        if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), graceMs);
        const code = await exited;
        clearTimeout(t);
        return code;
      };
      const kill = async (): Promise<void> => {
        if (proc.exitCode !== null || proc.signalCode !== null) return;
        proc.kill('SIGKILL');
        await exited;
      };
      const { type: _type, ...ready } = rec;
      resolve({ name: opts.name, proc, ready, lines, stop, kill, exited });
    };
    proc.on('message', onMessage);
    createInterface({ input: proc.stdout! }).on('line', onLine);
    createInterface({ input: proc.stderr! }).on('line', onLine);
    void exited.then((code) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new Error(`${opts.name} exited with ${code} before it was ready:\n${lines.slice(-30).join('\n')}`));
    });
  });
}

/** `0.0.0.0:9111` or `[::]:9111` → 9111 */
export function portOf(address: unknown): number {
  const m = /:(\d+)$/.exec(String(address));
  if (!m) throw new Error(`no port in ${String(address)}`);
  return Number(m[1]);
}
