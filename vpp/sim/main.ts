/**
 * npm run sim -- --socket /tmp/vpp-api.sock [--interfaces N] [--control PATH] [--stats-socket PATH]
 *
 * The VPP simulator as a process. It says where it listens (socket, control,
 * vpePid, messages) as "VPP simulator listening": in a log line, and over its
 * IPC channel when it has one (lib/child.ts, whatever the log level). It
 * removes its sockets on SIGTERM or SIGINT.
 */
import { basename, dirname, join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { announceReady, createLogger, LOG_LEVELS } from '../../lib/log.ts';
import { DEFAULT_PROTO_DIR } from '../../lib/project.ts';
import { loadErrorTable } from '../api/errors.ts';
import { loadModel } from '../api/load-proto.ts';
import { createCodec } from '../codec/index.ts';
import { ControlServer } from './control.ts';
import { VppSimulator } from './simulator.ts';

function count(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected an integer ≥ 0');
  return n;
}

const program = new Command()
  .name('vpp-sim')
  .description("A VPP simulator on VPP's binary API socket")
  .addOption(
    new Option('--socket <path>', 'API socket to listen on').env('VPP_SIM_SOCKET').default('/run/vpp/api.sock'),
  )
  .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).env('LOG_LEVEL').default('info'))
  .addOption(
    new Option('--interfaces <n>', 'loopbacks to create at start (and after each restart)')
      .env('VPP_SIM_INTERFACES')
      .argParser(count)
      .default(0),
  )
  .addOption(
    new Option('--control <path>', 'fault-injection control socket, "off" for none (default: <socket>.control)').env(
      'VPP_SIM_CONTROL',
    ),
  )
  .addOption(
    new Option(
      '--stats-socket <path>',
      'stats segment socket, "off" for none (default: stats.sock beside an api.sock, else <socket>.stats)',
    ).env('VPP_SIM_STATS_SOCKET'),
  )
  .parse();

const opts = program.opts<{
  socket: string;
  logLevel: string;
  interfaces: number;
  control?: string;
  statsSocket?: string;
}>();
/** VPP's own folder layout when the API socket is api.sock; a name of its own otherwise */
function defaultStatsSocket(apiSocket: string): string {
  return basename(apiSocket) === 'api.sock' ? join(dirname(apiSocket), 'stats.sock') : `${apiSocket}.stats`;
}
const statsSocket = opts.statsSocket === 'off' ? undefined : (opts.statsSocket ?? defaultStatsSocket(opts.socket));
const log = createLogger('vpp-sim', opts.logLevel);

try {
  const model = loadModel(DEFAULT_PROTO_DIR);
  const sim = new VppSimulator({
    model,
    codec: createCodec(model),
    errors: loadErrorTable(DEFAULT_PROTO_DIR),
    socketPath: opts.socket,
    interfaces: opts.interfaces,
    statsSocket,
    log,
  });
  await sim.start();
  const controlPath = opts.control === 'off' ? undefined : (opts.control ?? `${opts.socket}.control`);
  const control = controlPath ? await ControlServer.start(sim, controlPath, log) : undefined;
  announceReady(
    log,
    {
      socket: sim.socketPath,
      control: control?.path ?? 'off',
      stats: sim.statsSegment?.socketPath ?? 'off',
      vpePid: sim.vpePid,
      messages: sim.table.entries.length,
      interfaces: sim.state.interfaces.size,
    },
    'VPP simulator listening',
  );
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'VPP simulator stopping');
    void Promise.all([sim.stop(), control?.close()]).then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} catch (e) {
  const err = e as NodeJS.ErrnoException;
  const hint =
    err.code === 'EACCES' || err.code === 'ENOENT'
      ? ` (pick a socket path you can create, e.g. --socket /tmp/vpp-api.sock)`
      : '';
  log.fatal({ err: err.message }, `VPP simulator could not start${hint}`);
  process.exit(1);
}
