/**
 * The product as separate processes for end-to-end tests: the VPP simulator,
 * the gRPC server and the REST gateway, on a temporary socket and free ports.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { portOf, startChild, type Child } from '../../lib/child.ts';

export interface Stack {
  dir: string;
  /** the server's state directory: its journal */
  stateDir: string;
  socket: string;
  sim: Child | undefined;
  server: Child;
  gateway: Child | undefined;
  grpcTarget: string;
  grpcPort: number;
  serverMetricsPort: number;
  rest: string;
  restPort: number;
  gatewayMetricsPort: number;
  /** start the simulator again (after a kill), on the same socket */
  restartSim(args?: string[]): Promise<Child>;
  /** start the gRPC server again (after a kill), on the same gRPC port; its metrics port changes */
  restartServer(): Promise<Child>;
  stop(): Promise<void>;
}

export interface StackOptions {
  sim?: boolean;
  /** a VPP that runs already (a real one, see real-vpp.ts): no simulator is started */
  vppSocket?: string;
  gateway?: boolean;
  simArgs?: string[];
  serverArgs?: string[];
  gatewayArgs?: string[];
  env?: NodeJS.ProcessEnv;
  echo?: boolean;
  /** the server's --state-dir (default: a folder of the stack's temporary one) */
  stateDir?: string;
  /** a command the server runs under (see lib/child.ts) */
  serverWrap?: string[];
  /** how long server and gateway may take to start (default: READY_MS) */
  readyTimeoutMs?: number;
}

const LOG_ENV = { LOG_LEVEL: 'info' };
/** A bound on a process that never gets ready, not a timing check: a busy 2-core machine can take a minute */
export const READY_MS = Number(process.env.VPP_RPC_TEST_READY_MS ?? 120_000);

export function startSim(socket: string, args: string[] = [], echo = false, env?: NodeJS.ProcessEnv): Promise<Child> {
  return startChild({
    name: 'sim',
    entry: 'vpp/sim/main.ts',
    args: ['--socket', socket, ...args],
    env: { ...LOG_ENV, ...env },
    readyMessage: 'VPP simulator listening',
    timeoutMs: READY_MS,
    echo,
  });
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'vpp-rpc-e2e-'));
  const socket = opts.vppSocket ?? join(dir, 'api.sock');
  const stateDir = opts.stateDir ?? join(dir, 'state');
  const children: Child[] = [];
  try {
    let sim =
      opts.sim === false || opts.vppSocket ? undefined : await startSim(socket, opts.simArgs, opts.echo, opts.env);
    if (sim) children.push(sim);
    const startServer = (listen: string): Promise<Child> =>
      startChild({
        name: 'server',
        entry: 'server/main.ts',
        args: [
          '--vpp-socket',
          socket,
          '--listen',
          listen,
          '--metrics-listen',
          '127.0.0.1:0',
          '--state-dir',
          stateDir,
          ...(opts.serverArgs ?? []),
        ],
        env: { ...LOG_ENV, ...opts.env },
        readyMessage: 'gRPC server listening',
        timeoutMs: opts.readyTimeoutMs ?? READY_MS,
        echo: opts.echo,
        ...(opts.serverWrap ? { wrap: opts.serverWrap } : {}),
      });
    const server = await startServer('127.0.0.1:0');
    children.push(server);
    const grpcPort = portOf(server.ready.grpc);
    let gateway: Child | undefined;
    if (opts.gateway !== false) {
      gateway = await startChild({
        name: 'gateway',
        entry: 'gateway/main.ts',
        args: [
          '--listen',
          '127.0.0.1:0',
          '--grpc-target',
          `127.0.0.1:${grpcPort}`,
          '--metrics-listen',
          '127.0.0.1:0',
          ...(opts.gatewayArgs ?? []),
        ],
        env: { ...LOG_ENV, ...opts.env },
        readyMessage: 'REST gateway listening',
        timeoutMs: opts.readyTimeoutMs ?? READY_MS,
        echo: opts.echo,
      });
      children.push(gateway);
    }
    const restPort = gateway ? portOf(gateway.ready.rest) : 0;
    const stack: Stack = {
      dir,
      stateDir,
      socket,
      sim,
      server,
      gateway,
      grpcTarget: `127.0.0.1:${grpcPort}`,
      grpcPort,
      serverMetricsPort: portOf(server.ready.metrics),
      rest: `http://127.0.0.1:${restPort}`,
      restPort,
      gatewayMetricsPort: gateway ? portOf(gateway.ready.metrics) : 0,
      async restartSim(args) {
        sim = await startSim(socket, args ?? opts.simArgs, opts.echo, opts.env);
        stack.sim = sim;
        children.push(sim);
        return sim;
      },
      async restartServer() {
        const next = await startServer(stack.grpcTarget);
        stack.server = next;
        stack.serverMetricsPort = portOf(next.ready.metrics);
        children.push(next);
        return next;
      },
      async stop() {
        await Promise.all(children.reverse().map((c) => c.stop(3000)));
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return stack;
  } catch (e) {
    await Promise.all(children.map((c) => c.kill()));
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
