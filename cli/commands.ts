/** The CLI's commands, on the VPP client and the same JSON mapping as the gateway. */
import { compileJson } from '../lib/protobuf/index.ts';
import { loadErrorTable } from '../vpp/api/errors.ts';
import { loadProtoDir, messageTypes, type ProtoApi } from '../vpp/api/load-proto.ts';
import { routePath, rpcShape } from '../vpp/api/mapping.ts';
import { VppClient, VppClientError } from '../vpp/client/index.ts';
import { createCodec } from '../vpp/codec/index.ts';
import type { Value } from '../vpp/codec/types.ts';
import { FleetError } from './fleet.ts';
import { callThroughGateway } from './gateway-call.ts';

export interface CliOptions {
  socket: string;
  /** the fleet gateway that knows the nodes `--node` names */
  gateway: string;
  protoDir: string;
  timeout: number;
  compact?: boolean;
}

function fail(message: string): never {
  process.stderr.write(`vpp-rpc: ${message}\n`);
  process.exit(1);
}

export function load(o: CliOptions): ProtoApi {
  try {
    return loadProtoDir(o.protoDir);
  } catch (e) {
    return fail((e as Error).message);
  }
}

async function connected<T>(o: CliOptions, api: ProtoApi, work: (client: VppClient) => Promise<T>): Promise<T> {
  const client = new VppClient({
    model: api.model,
    codec: createCodec(api.model),
    errors: loadErrorTable(o.protoDir),
    socketPath: o.socket,
    requestTimeoutMs: o.timeout,
    reconnect: false,
    name: 'vpp-rpc-cli',
  });
  try {
    await client.connect();
  } catch (e) {
    fail(`cannot reach VPP at ${o.socket}: ${(e as Error).message}`);
  }
  try {
    return await work(client);
  } catch (e) {
    if (e instanceof VppClientError) fail(e.message);
    if ((e as Error).name === 'JsonError' || (e as Error).name === 'CodecError') fail((e as Error).message);
    throw e;
  } finally {
    await client.close();
  }
}

function printer(o: CliOptions): (json: string) => void {
  return (json) => process.stdout.write((o.compact ? json : JSON.stringify(JSON.parse(json), null, 2)) + '\n');
}

export async function callCommand(
  o: CliOptions,
  message: string,
  input: string,
  c: { ndjson?: boolean; count?: number; duration?: number; node?: string; token?: string },
): Promise<void> {
  const api = load(o);
  const svc = api.model.services.get(message);
  if (!svc)
    fail(
      api.model.messages.has(message)
        ? `${message} is not a request`
        : `unknown message ${message} (see: vpp-rpc list)`,
    );
  const shape = rpcShape(svc);
  const types = messageTypes(api.root);
  let value: Value;
  try {
    value = compileJson(types.get(message)!).fromJson(JSON.parse(input));
  } catch (e) {
    fail(`bad request fields: ${(e as Error).message}`);
  }
  const out = shape.response ? compileJson(types.get(shape.response)!) : undefined;
  const print = printer(o);
  if (c.node !== undefined) {
    try {
      await callThroughGateway({
        ...c,
        node: c.node,
        gateway: o.gateway,
        timeout: o.timeout,
        path: routePath(svc.module, svc.request),
        kind: shape.kind === 'unary' || shape.kind === 'events' ? shape.kind : 'dump',
        body: input,
        print,
      });
    } catch (e) {
      if (e instanceof FleetError) fail(e.message);
      throw e;
    }
    return;
  }
  await connected(o, api, async (client) => {
    if (shape.kind === 'unary') {
      const reply = await client.request(message, value);
      print(out ? out.toJson(reply) : '{}');
    } else if (shape.kind === 'events') {
      let seen = 0;
      await new Promise<void>((resolve, reject) => {
        const timer = c.duration ? setTimeout(resolve, c.duration) : undefined;
        process.once('SIGINT', () => resolve());
        client
          .subscribe(message, value, {
            event: (_n, v) => {
              process.stdout.write(out!.toJson(v) + '\n');
              if (c.count && ++seen >= c.count) resolve();
            },
            interrupted: reject,
          })
          .catch(reject);
        void timer;
      });
    } else {
      const items: string[] = [];
      for await (const item of client.dump(message, value)) {
        const json = out!.toJson(item);
        if (c.ndjson) process.stdout.write(json + '\n');
        else items.push(json);
      }
      if (!c.ndjson) print(`[${items.join(',')}]`);
    }
  });
}

export async function cliCommand(o: CliOptions, command: string): Promise<void> {
  const api = load(o);
  await connected(o, api, async (client) => {
    const reply = await client.request('cli_inband', { cmd: command });
    process.stdout.write(String(reply.reply));
  });
}

export async function compatCommand(o: CliOptions, json: boolean): Promise<void> {
  const api = load(o);
  await connected(o, api, async (client) => {
    const r = client.compatibility()!;
    if (json) {
      process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      return;
    }
    const byModule = new Map<string, number>();
    for (const name of r.missing) {
      const m = api.model.messages.get(name)!.module;
      byModule.set(m, (byModule.get(m) ?? 0) + 1);
    }
    console.log(
      `VPP at ${o.socket}: ${r.compatible.length} messages compatible, ${r.changed.length} changed, ${r.missing.length} missing, ${r.unknown.length} unknown to vpp-rpc`,
    );
    if (r.changed.length) {
      console.log(
        '\nchanged (same name, other CRC; vpp-rpc refuses to send them — regenerate the protos for this VPP):',
      );
      for (const c of r.changed) console.log(`  ${c.name}  vpp-rpc ${c.ours}  VPP ${c.vpp}`);
    }
    if (byModule.size) {
      console.log('\nmissing (plugin not loaded, or not in this VPP release), by module:');
      for (const [m, n] of [...byModule].sort()) console.log(`  ${m}: ${n}`);
    }
  });
}

export function listCommand(o: CliOptions, filter?: string): void {
  const api = load(o);
  const rows = [...api.model.services.values()]
    .filter((s) => !filter || s.request.includes(filter) || s.module.includes(filter))
    .sort((a, b) => a.module.localeCompare(b.module) || a.request.localeCompare(b.request));
  for (const s of rows)
    console.log(`${s.request.padEnd(48)} ${rpcShape(s).kind.padEnd(7)} POST ${routePath(s.module, s.request)}`);
}
