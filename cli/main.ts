/**
 * vpp-rpc: talk to VPP's binary API from a shell, with the same JSON as the
 * REST gateway.
 *
 *   vpp-rpc call show_version
 *   vpp-rpc call sw_interface_dump '{"name_filter_valid": true, "name_filter": "loop"}'
 *   vpp-rpc call want_interface_events --count 1
 *   vpp-rpc cli "show interface"
 *   vpp-rpc compat
 *   vpp-rpc list interface
 *   vpp-rpc apply routes.ndjson --server localhost:9111
 *   vpp-rpc stats dump /if/rx /if/names
 *   vpp-rpc journal status --server localhost:9111
 *   vpp-rpc nodes --gateway http://gateway:9191
 *   vpp-rpc call show_version --node edge-1
 *   vpp-rpc apply routes.ndjson --node edge-1
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_PROTO_DIR } from '../lib/project.ts';
import { DEFAULT_SOCKET } from '../vpp/client/index.ts';
import { DEFAULT_STATS_SOCKET } from '../vpp/stats/reader.ts';
import { applyCommand, type ApplyOptions } from './apply.ts';
import { callCommand, cliCommand, compatCommand, listCommand, load, type CliOptions } from './commands.ts';
import { DEFAULT_GATEWAY, FleetError, nodesCommand, readyNode } from './fleet.ts';
import { journalCommand, type JournalCliOptions } from './journal.ts';
import { statsCommand, type StatsCliOptions } from './stats.ts';

const positive = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
};

const program = new Command('vpp-rpc')
  .description("VPP's binary API from the shell: every message, JSON in and out")
  .addOption(new Option('--socket <path>', "VPP's API socket").env('VPP_API_SOCKET').default(DEFAULT_SOCKET))
  .addOption(
    new Option('--proto-dir <dir>', 'generated protos (the API model)')
      .env('VPP_RPC_PROTO_DIR')
      .default(DEFAULT_PROTO_DIR),
  )
  .addOption(
    new Option('--gateway <url>', 'the fleet gateway: nodes, and where --node finds a node')
      .env('VPP_RPC_GATEWAY')
      .default(DEFAULT_GATEWAY),
  )
  .addOption(new Option('--timeout <ms>', 'per request').default(10_000).argParser(positive))
  .option('--compact', 'one JSON value per line, no indentation');

const opts = (): CliOptions => program.opts<CliOptions>();

const nodeOption = (what: string): Option => new Option('--node <name>', `${what} (a node of the fleet at --gateway)`);

/**
 * `--node`: the node's gRPC server as the fleet gateway lists it, for the
 * commands that speak gRPC to a server (apply, journal). Exits 1 with one line
 * when the node is unknown or not ready.
 */
async function serverOf(command: Command, o: { node?: string; server: string; token?: string }): Promise<string> {
  if (o.node === undefined) return o.server;
  if (command.getOptionValueSource('server') === 'cli')
    command.error('--node and --server: --node finds the server of a node, give one of them');
  try {
    return (await readyNode({ gateway: opts().gateway, token: o.token, timeout: opts().timeout }, o.node)).grpc;
  } catch (e) {
    if (!(e instanceof FleetError)) throw e;
    process.stderr.write(`vpp-rpc: ${e.message}\n`);
    process.exit(1);
  }
}

program
  .command('call')
  .description('send a request: prints the reply, every details message of a dump, or events as they come')
  .argument('<message>', 'VPP request name, e.g. show_version, sw_interface_dump, want_interface_events')
  .argument('[json]', 'the request fields as JSON (proto field names or lowerCamelCase)', '{}')
  .option('--ndjson', 'dumps: one object per line as details arrive, rather than one array')
  .option('--count <n>', 'events: stop after n events', positive)
  .option('--duration <ms>', 'events: stop after this long', positive)
  .addOption(nodeOption("send it through the fleet gateway to this node's server, not to --socket"))
  .addOption(new Option('--token <token>', 'bearer token, with --node').env('VPP_RPC_TOKEN'))
  .action(
    (
      message: string,
      json: string,
      o: { ndjson?: boolean; count?: number; duration?: number; node?: string; token?: string },
    ) => callCommand(opts(), message, json, o),
  );

program
  .command('cli')
  .description("run a VPP CLI command through cli_inband and print VPP's answer")
  .argument('<command...>', 'e.g. show interface')
  .action((words: string[]) => cliCommand(opts(), words.join(' ')));

program
  .command('compat')
  .description("compare vpp-rpc's API with the connected VPP's message table")
  .option('--json', 'the whole report as JSON')
  .action((o: { json?: boolean }) => compatCommand(opts(), Boolean(o.json)));

program
  .command('list')
  .description('list the requests vpp-rpc knows, with their kind and REST route')
  .argument('[filter]', 'only names containing this text')
  .action((filter?: string) => listCommand(opts(), filter));

program
  .command('apply')
  .description('send NDJSON requests through the gRPC server in one Batch/Call stream; prints failures and a summary')
  .argument('<file>', 'one request per line, {"rpc": "Ip/IpRouteAddDel", "id": 1, "request": {...}}; - for stdin')
  .addOption(new Option('--server <host:port>', 'the gRPC server').env('VPP_RPC_SERVER').default('localhost:9111'))
  .option('--window <n>', "requests in flight to VPP (default: the server's)", positive)
  .option('--stop-on-error', 'stop at the first failed item')
  .option('--replies', 'print every answer as NDJSON on stdout ({"id":…,"reply":…} or {"id":…,"error":…})')
  .addOption(new Option('--token <token>', 'bearer token').env('VPP_RPC_TOKEN'))
  .option('--tls', 'connect with TLS (system CAs)')
  .option('--tls-ca <file>', 'connect with TLS, trusting this CA')
  .option('--deadline <ms>', 'deadline of the whole batch', positive)
  .addOption(nodeOption("send to this node's server"))
  .action(async (file: string, o: ApplyOptions & { deadline?: number; node?: string }, command: Command) => {
    const server = await serverOf(command, o);
    const code = await applyCommand(load(opts()).root, file, { ...o, server, timeout: o.deadline });
    process.exitCode = code;
  });

program
  .command('journal')
  .description("the server's journal of what was configured: status, export (NDJSON for apply), replay, clear")
  .argument('<action>', 'status, export, replay or clear')
  .addOption(new Option('--server <host:port>', 'the gRPC server').env('VPP_RPC_SERVER').default('localhost:9111'))
  .addOption(new Option('--token <token>', 'bearer token').env('VPP_RPC_TOKEN'))
  .option('--tls', 'connect with TLS (system CAs)')
  .option('--tls-ca <file>', 'connect with TLS, trusting this CA')
  .option('--yes', 'clear: forget every entry, really')
  .addOption(nodeOption("ask this node's server"))
  .action(
    async (action: string, o: Omit<JournalCliOptions, 'timeout' | 'compact'> & { node?: string }, command: Command) => {
      const server = await serverOf(command, o);
      process.exitCode = await journalCommand(load(opts()).root, action, {
        ...o,
        server,
        timeout: opts().timeout,
        compact: opts().compact,
      });
    },
  );

program
  .command('nodes')
  .description("the fleet's nodes as its gateway knows them: name, state, gRPC address, VPP version")
  .option('--json', "the gateway's answer as JSON")
  .addOption(new Option('--token <token>', 'bearer token').env('VPP_RPC_TOKEN'))
  .action(async (o: { json?: boolean; token?: string }) => {
    process.exitCode = await nodesCommand({ ...o, gateway: opts().gateway, timeout: opts().timeout });
  });

program
  .command('stats')
  .description("read VPP's stats segment directly (no server): list names, dump values, watch values and rates")
  .argument('<action>', 'ls, dump or watch')
  .argument('[patterns...]', 'regular expressions matched anywhere in a name, as vpp_get_stats takes them')
  .addOption(
    new Option('--stats-socket <path>', "VPP's stats socket").env('VPP_STATS_SOCKET').default(DEFAULT_STATS_SOCKET),
  )
  .addOption(new Option('--interval <seconds>', 'watch: between reads').default(1).argParser(positive))
  .addOption(
    new Option('--count <n>', 'watch: stop after n reads (default: until interrupted)').default(0).argParser(positive),
  )
  .action((action: string, patterns: string[], o: StatsCliOptions) => {
    if (!['ls', 'dump', 'watch'].includes(action)) program.error(`vpp-rpc stats: ls, dump or watch, not ${action}`);
    return statsCommand(action, patterns, o);
  });

await program.parseAsync();
