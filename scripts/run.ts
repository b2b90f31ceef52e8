/**
 * `make run`: the gRPC server and the REST gateway against VPP at
 * VPP_API_SOCKET (default /run/vpp/api.sock), or against the built-in VPP
 * simulator when no VPP listens there. Ctrl-C stops everything.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { portOf, startChild, type Child } from '../lib/child.ts';
import { PROJECT_ROOT } from '../lib/project.ts';
import { parseHostPort } from '../lib/listen.ts';
import { socketAnswers } from '../lib/unix-socket.ts';

const env = process.env;
const wantedSocket = env.VPP_API_SOCKET || '/run/vpp/api.sock';
const grpcListen = env.VPP_RPC_GRPC_LISTEN || '0.0.0.0:9111';
const restListen = env.VPP_RPC_REST_LISTEN || '0.0.0.0:9191';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** Log lines for people: time, level, process, message, then the fields. */
function human(name: string, line: string): string {
  if (!line.startsWith('{')) return `[${name}] ${line}`;
  try {
    const {
      level,
      time,
      msg,
      pid: _pid,
      name: _n,
      hostname: _h,
      ...rest
    } = JSON.parse(line) as Record<string, unknown>;
    const t = new Date(Number(time)).toTimeString().slice(0, 8);
    const fields = Object.entries(rest)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    return `${t} ${(LEVELS[Number(level)] ?? '').padEnd(5)} [${name}] ${String(msg)}${fields ? '  ' + fields : ''}`;
  } catch {
    return `[${name}] ${line}`;
  }
}

function follow(child: Child): void {
  for (const l of child.lines) console.log(human(child.name, l));
  const print = (chunk: Buffer): void => {
    for (const l of chunk.toString().split('\n')) if (l) console.log(human(child.name, l));
  };
  child.proc.stdout?.on('data', print);
  child.proc.stderr?.on('data', print);
}

const children: Child[] = [];
let stopping = false;
async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    console.log('\nstopping…');
    for (const c of [...children].reverse()) await c.stop(5000);
  }
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

try {
  let socket = wantedSocket;
  if (!(await socketAnswers(wantedSocket))) {
    const dir = join(tmpdir(), `vpp-rpc-sim-${process.getuid?.() ?? 'user'}`);
    mkdirSync(dir, { recursive: true });
    socket = join(dir, 'api.sock');
    console.log(`No VPP answers at ${wantedSocket}: starting the built-in VPP simulator on ${socket}.`);
    console.log('(Set VPP_API_SOCKET to point at a real VPP.)\n');
    const sim = await startChild({
      name: 'sim',
      entry: 'vpp/sim/main.ts',
      args: ['--socket', socket],
      readyMessage: 'VPP simulator listening',
    });
    children.push(sim);
    follow(sim);
  } else console.log(`VPP found at ${wantedSocket}.\n`);

  // the journal of what was configured, kept in the checkout (git-ignored): one for the simulator, one for VPP
  const stateDir = env.VPP_RPC_STATE_DIR || join(PROJECT_ROOT, '.state', socket === wantedSocket ? 'vpp' : 'simulator');
  const server = await startChild({
    name: 'server',
    entry: 'server/main.ts',
    args: ['--vpp-socket', socket, '--listen', grpcListen, '--state-dir', stateDir],
    readyMessage: 'gRPC server listening',
  });
  children.push(server);
  follow(server);
  const grpcPort = portOf(server.ready.grpc);
  const gateway = await startChild({
    name: 'gateway',
    entry: 'gateway/main.ts',
    args: ['--listen', restListen, '--grpc-target', `localhost:${grpcPort}`],
    readyMessage: 'REST gateway listening',
  });
  children.push(gateway);
  follow(gateway);

  const restPort = parseHostPort(String(gateway.ready.rest), 'rest').port;
  const rest = `${env.VPP_RPC_TLS_CERT ? 'https' : 'http'}://localhost:${restPort}`;
  const line = '─'.repeat(64);
  console.log(`\n${line}`);
  console.log(`  REST      ${rest}        try: curl -s -X POST ${rest}/Vpe/ShowVersion/request`);
  console.log(`  Docs      ${rest}/docs`);
  console.log(`  gRPC      localhost:${grpcPort}   (reflection on)`);
  if (server.ready.metrics !== 'off')
    console.log(`  Metrics   http://localhost:${portOf(server.ready.metrics)}/metrics (server)`);
  if (gateway.ready.metrics !== 'off')
    console.log(`            http://localhost:${portOf(gateway.ready.metrics)}/metrics (gateway)`);
  console.log(`  VPP       ${socket}${socket === wantedSocket ? '' : '  (simulator)'}`);
  console.log(`  Journal   ${server.ready.journal}   (npx vpp-rpc journal status)`);
  const stats = socket === wantedSocket ? undefined : join(dirname(socket), 'stats.sock');
  if (stats) console.log(`  Stats     ${stats}   (npx vpp-rpc stats watch /if/rx --stats-socket ${stats})`);
  console.log(`${line}\n  Ctrl-C stops everything.\n`);

  for (const c of children)
    void c.exited.then((code) => {
      if (stopping) return;
      console.error(`${c.name} exited (${code}); stopping the rest`);
      void stopAll(1);
    });
} catch (e) {
  console.error((e as Error).message);
  await stopAll(1);
}
