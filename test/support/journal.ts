/**
 * A node's configuration for the journal's end-to-end tests: programmed
 * through REST, gRPC and batches as users program it, and read back through
 * every dump that shows it, interface indexes turned into names so that two
 * VPPs that numbered their interfaces differently compare equal.
 */
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { BatchCodec, openBatch, type BatchAnswer, type BatchItem } from '../../lib/grpc/batch-client.ts';
import { compileBinary, loadServiceRoot, type BinaryCodec, type Value } from '../../lib/protobuf/index.ts';
import { post, request } from './http.ts';
import { waitFor } from './observe.ts';
import { PROTO_DIR } from './paths.ts';
import type { Stack } from './stack.ts';

const root = loadServiceRoot(PROTO_DIR);
const batchCodec = new BatchCodec(root);
const codecs = new Map<string, BinaryCodec>();
const codec = (type: string): BinaryCodec => {
  let c = codecs.get(type);
  if (!c) codecs.set(type, (c = compileBinary(root.lookupType(type))));
  return c;
};

/** A REST call that must succeed: its reply. */
export async function rest(stack: Stack, route: string, body: unknown = {}): Promise<Record<string, unknown>> {
  const r = await post(`${stack.rest}/${route}/request`, body);
  assert.equal(r.status, 200, `${route} ${JSON.stringify(body)}: ${r.text}`);
  return r.json as Record<string, unknown>;
}

/** A dump over REST: its details. */
export async function dump(stack: Stack, route: string, body: unknown = {}): Promise<Record<string, unknown>[]> {
  const r = await post(`${stack.rest}/${route}/request`, body);
  assert.equal(r.status, 200, `${route}: ${r.text}`);
  return r.json as Record<string, unknown>[];
}

/** A REST batch of one RPC (NDJSON): the answers, in order. */
export async function restBatch(stack: Stack, route: string, bodies: unknown[]): Promise<Record<string, unknown>[]> {
  const r = await post(`${stack.rest}/${route}/batch`, bodies.map((b) => JSON.stringify(b)).join('\n') + '\n', {
    'content-type': 'application/x-ndjson',
  });
  assert.equal(r.status, 200, r.text);
  return r.text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** A unary gRPC call by method path (`/vpp.interface.Interface/SwInterfaceSetFlags`), as a gRPC client makes it. */
export async function grpcCall(target: string, path: string, value: Value): Promise<Value> {
  const [, service, method] = path.split('/');
  const m = root.lookupService(service!).methods[method!]!;
  const req = codec(m.resolvedRequestType!.fullName.slice(1));
  const res = codec(m.resolvedResponseType!.fullName.slice(1));
  const client = new grpc.Client(target, grpc.credentials.createInsecure());
  try {
    return await new Promise<Value>((resolve, reject) =>
      client.makeUnaryRequest(
        path,
        (v: Value) => req.encode(v),
        (b: Buffer) => res.decode(b),
        value,
        (err, reply) => (err ? reject(err) : resolve(reply!)),
      ),
    );
  } finally {
    client.close();
  }
}

/** The encoded request of an RPC of the protos, for batch items. */
export function requestBytes(type: string, value: Value): Buffer {
  return codec(type).encode(value);
}

export interface BatchRun {
  answers: BatchAnswer[];
  code: number;
  details: string;
}

/** Items over one Batch/Call stream, waiting for drain; `onAnswer` sees each answer as it comes. */
export async function grpcBatch(
  target: string,
  items: Iterable<BatchItem>,
  onAnswer?: (a: BatchAnswer) => void,
): Promise<BatchRun> {
  const client = new grpc.Client(target, grpc.credentials.createInsecure());
  const call = openBatch(client);
  const answers: BatchAnswer[] = [];
  const ended = new Promise<BatchRun>((resolve) => {
    call.on('data', (b: Buffer) => {
      const a = batchCodec.decode(b);
      answers.push(a);
      onAnswer?.(a);
    });
    call.on('error', (e: grpc.ServiceError) => resolve({ answers, code: e.code, details: e.details }));
    call.on('end', () => resolve({ answers, code: grpc.status.OK, details: '' }));
  });
  let over = false;
  void ended.then(() => (over = true));
  try {
    for (const item of items) {
      if (over) break;
      // a stream that ends (the server went away) drains no more
      if (!call.write(batchCodec.encode(item))) await Promise.race([new Promise((r) => call.once('drain', r)), ended]);
    }
    call.end();
  } catch {
    // the stream broke: its status says why
  }
  const run = await ended;
  client.close();
  return run;
}

/** The journal's status over REST. */
export async function journalStatus(stack: Stack): Promise<Record<string, unknown>> {
  return rest(stack, 'Journal/Status');
}

/** Until the journal has replayed into a VPP it had not seen (after `since`, ms) and serves writes: its status. */
export async function untilReplayed(
  stack: Stack,
  since: number,
  timeoutMs = 120_000,
): Promise<Record<string, unknown>> {
  let status: Record<string, unknown> = {};
  await waitFor(
    'the journal replayed',
    async () => {
      const r = await post(`${stack.rest}/Journal/Status/request`, {});
      if (r.status !== 200) return false;
      status = r.json as Record<string, unknown>;
      const last = status.last_replay as { started?: string; aborted?: string } | null;
      return status.state === 'ready' && !!last?.started && Date.parse(last.started) >= since && !last.aborted;
    },
    timeoutMs,
  );
  return status;
}

/** The journal's export: one parsed line per entry. */
export async function exportJournal(stack: Stack): Promise<Record<string, unknown>[]> {
  const r = await request(`${stack.rest}/Journal/Export/request`, {
    method: 'POST',
    headers: { accept: 'application/x-ndjson' },
  });
  assert.equal(r.status, 200, r.text);
  return r.text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const NO_INTERFACE = 4294967295;

/**
 * Every interface-index field (`*sw_if_index`) of a value, recursively,
 * replaced by the interface's name; stats_index dropped (a counter's slot,
 * given in order of use).
 */
function byName(v: unknown, names: Map<number, string>): unknown {
  if (Array.isArray(v)) return v.map((e) => byName(e, names));
  if (!v || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === 'stats_index' || k === 'context') continue;
    if (/sw_if_index$/.test(k) && typeof x === 'number')
      out[k] = x === NO_INTERFACE ? 'none' : (names.get(x) ?? `index ${x}`);
    else out[k] = byName(x, names);
  }
  return out;
}

/** What a node's dumps show of its configuration, comparable across VPPs. */
export async function configurationOf(stack: Stack, withPlugins: boolean): Promise<Record<string, unknown>> {
  const interfaces = await dump(stack, 'Interface/SwInterfaceDump');
  const names = new Map(interfaces.map((i) => [i.sw_if_index as number, i.interface_name as string]));
  const snapshot: Record<string, unknown> = {
    interfaces: byName(
      interfaces.sort((a, b) => String(a.interface_name).localeCompare(String(b.interface_name))),
      names,
    ),
    addresses: Object.fromEntries(
      await Promise.all(
        [...names].map(async ([index, name]) => [
          name,
          byName(await dump(stack, 'Ip/IpAddressDump', { sw_if_index: index, is_ipv6: false }), names),
        ]),
      ),
    ),
    tables: await dump(stack, 'Ip/IpTableDump'),
    routes: byName(await dump(stack, 'Ip/IpRouteDump', { table: { table_id: 7 } }), names),
  };
  if (withPlugins) {
    snapshot.acls = await dump(stack, 'Acl/AclDump', { acl_index: NO_INTERFACE });
    snapshot.aclBindings = byName(await dump(stack, 'Acl/AclInterfaceListDump'), names);
    snapshot.bridges = byName(await dump(stack, 'L2/BridgeDomainDump', { bd_id: NO_INTERFACE }), names);
    snapshot.tunnels = byName(await dump(stack, 'Ipip/IpipTunnelDump'), names);
  }
  return snapshot;
}

const ADMIN_UP = ['IF_STATUS_API_FLAG_ADMIN_UP'];

/**
 * Programs a node: 100 loopbacks with addresses (REST batch), half of them
 * up (gRPC), a VRF with `routes` routes through them (gRPC Batch/Call),
 * ACLs on ten of them, a bridge domain with three members, an IPIP tunnel,
 * and loopbacks deleted and made again along the way. `withPlugins`: the
 * parts the simulator does not implement.
 */
export async function configureNode(stack: Stack, routes: number, withPlugins: boolean): Promise<void> {
  const loops = await restBatch(
    stack,
    'Interface/CreateLoopback',
    Array.from({ length: 105 }, () => ({})),
  );
  const index = loops.map((l) => {
    assert.equal(l.retval, 0, JSON.stringify(l));
    return l.sw_if_index as number;
  });
  const addresses = await restBatch(
    stack,
    'Interface/SwInterfaceAddDelAddress',
    index.map((sw, i) => ({ sw_if_index: sw, is_add: true, prefix: `10.100.${i}.1/24` })),
  );
  for (const a of addresses) assert.equal(a.retval, 0, JSON.stringify(a));
  for (let i = 0; i < 100; i += 2)
    await grpcCall(stack.grpcTarget, '/vpp.interface.Interface/SwInterfaceSetFlags', {
      sw_if_index: index[i]!,
      flags: [1],
    });
  await rest(stack, 'Ip/IpTableAddDel', { is_add: true, table: { table_id: 7, name: 'journal-vrf' } });
  const run = await grpcBatch(
    stack.grpcTarget,
    (function* () {
      for (let i = 0; i < routes; i++)
        yield {
          id: i + 1,
          rpc: 'Ip/IpRouteAddDel',
          value: requestBytes('vpp.ip.IpRouteAddDel', {
            is_add: true,
            route: {
              table_id: 7,
              prefix: `172.${16 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`,
              paths: [{ sw_if_index: index[i % 100]!, weight: 1, nh: { address: { ip4: `10.100.${i % 100}.2` } } }],
            },
          }),
        };
    })(),
  );
  assert.equal(run.code, grpc.status.OK, run.details);
  assert.equal(run.answers.filter((a) => a.error).length, 0, JSON.stringify(run.answers.find((a) => a.error)));
  // five loopbacks go, three come back (VPP gives them the freed numbers and names)
  for (const sw of index.slice(100, 105)) await rest(stack, 'Interface/DeleteLoopback', { sw_if_index: sw });
  for (let i = 0; i < 3; i++) {
    const l = await rest(stack, 'Interface/CreateLoopback');
    await rest(stack, 'Interface/SwInterfaceSetFlags', { sw_if_index: l.sw_if_index, flags: ADMIN_UP });
    await rest(stack, 'Interface/SwInterfaceAddDelAddress', {
      sw_if_index: l.sw_if_index,
      is_add: true,
      prefix: `10.200.${i}.1/24`,
    });
  }
  if (!withPlugins) return;
  const acls: number[] = [];
  for (const port of [22, 80]) {
    const a = await rest(stack, 'Acl/AclAddReplace', {
      acl_index: NO_INTERFACE,
      tag: `port-${port}`,
      r: [
        {
          is_permit: 'ACL_ACTION_API_DENY',
          src_prefix: '0.0.0.0/0',
          dst_prefix: '10.100.0.0/16',
          proto: 'IP_API_PROTO_TCP',
          srcport_or_icmptype_last: 65535,
          dstport_or_icmpcode_first: port,
          dstport_or_icmpcode_last: port,
        },
        { is_permit: 'ACL_ACTION_API_PERMIT', src_prefix: '0.0.0.0/0', dst_prefix: '0.0.0.0/0' },
      ],
    });
    acls.push(a.acl_index as number);
  }
  for (let i = 0; i < 10; i++)
    await rest(stack, 'Acl/AclInterfaceSetAclList', {
      sw_if_index: index[i],
      n_input: 1,
      acls: [acls[i % 2], acls[(i + 1) % 2]],
    });
  await rest(stack, 'L2/BridgeDomainAddDel', {
    bd_id: 10,
    flood: true,
    uu_flood: true,
    forward: true,
    learn: true,
    is_add: true,
  });
  const members = [];
  for (let i = 0; i < 3; i++) members.push((await rest(stack, 'Interface/CreateLoopback')).sw_if_index as number);
  for (const sw of members)
    await rest(stack, 'L2/SwInterfaceSetL2Bridge', { rx_sw_if_index: sw, bd_id: 10, enable: true });
  const tunnel = await rest(stack, 'Ipip/IpipAddTunnel', {
    tunnel: { instance: NO_INTERFACE, src: '10.100.0.1', dst: '192.0.2.100', table_id: 0 },
  });
  await rest(stack, 'Interface/SwInterfaceSetFlags', { sw_if_index: tunnel.sw_if_index, flags: ADMIN_UP });
}
