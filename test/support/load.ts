/**
 * Load for the fault and soak tests: calls whose answers can be checked
 * against their requests, a tally of how each call ended, event watchers over
 * gRPC, SSE and NDJSON, and workers that keep calls in flight.
 *
 * Every call asks about one loopback of the simulator (started with
 * --interfaces N): loopback k has sw_if_index k, name loop<k-1> and MAC
 * de:ad:…:<k-1>, so a reply that belongs to another call, or arrives twice,
 * is caught.
 */
import { performance } from 'node:perf_hooks';
import { credentials, Metadata, status, type CallOptions, type ClientReadableStream } from '@grpc/grpc-js';
import { Pool } from 'undici';
import {
  InterfaceClient,
  type SwInterfaceDetails,
  type SwInterfaceGetMacAddressReply,
} from '../../clients/typescript/generated/vpp/interface.js';
import { IfStatusFlags } from '../../clients/typescript/generated/vpp/interface_types.js';
import { VlibClient, type CliInbandReply } from '../../clients/typescript/generated/vpp/vlib.js';

export type Via = 'grpc' | 'rest';

export const loopName = (k: number): string => `loop${k - 1}`;

/** The simulator's default MAC of loopback instance k-1. */
export function loopMac(k: number): string {
  const i = k - 1;
  return [0xde, 0xad, i >>> 24, (i >>> 16) & 0xff, (i >>> 8) & 0xff, i & 0xff]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join(':');
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface Call {
  via: Via;
  op: string;
  started: number;
  ended?: number;
  outcome?: string;
  /** stream items received before the end */
  items: number;
  endings: number;
}

/** How calls ended, by path, operation and outcome; wrong answers and double endings as problems. */
export class Tally {
  readonly inFlight = new Set<Call>();
  readonly problems: string[] = [];
  readonly lastOk: Record<Via, number> = { grpc: 0, rest: 0 };
  /** the longest call since the last reset */
  longestMs = 0;
  private readonly counts = new Map<string, number>();

  begin(via: Via, op: string): Call {
    const call: Call = { via, op, started: performance.now(), items: 0, endings: 0 };
    this.inFlight.add(call);
    return call;
  }

  /** `problem` marks a wrong answer: the outcome is then "wrong". */
  end(call: Call, outcome: string, problem?: string): boolean {
    if (++call.endings > 1) {
      this.problem(`${call.via} ${call.op} ended twice: ${call.outcome}, then ${outcome}`);
      return false;
    }
    call.ended = performance.now();
    this.longestMs = Math.max(this.longestMs, call.ended - call.started);
    call.outcome = problem ? 'wrong' : outcome;
    this.inFlight.delete(call);
    if (problem) this.problem(`${call.via} ${call.op}: ${problem}`);
    else if (outcome === 'ok') this.lastOk[call.via] = call.ended;
    const key = `${call.via}\t${call.op}\t${call.outcome}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    return call.outcome === 'ok';
  }

  problem(text: string): void {
    if (this.problems.length < 50) this.problems.push(text);
  }

  get total(): number {
    let n = 0;
    for (const v of this.counts.values()) n += v;
    return n;
  }

  /** calls whose outcome is not ok */
  get failures(): number {
    let n = 0;
    for (const [k, v] of this.counts) if (!k.endsWith('\tok')) n += v;
    return n;
  }

  rows(): { via: string; op: string; outcome: string; calls: number }[] {
    return [...this.counts]
      .map(([k, calls]) => {
        const [via, op, outcome] = k.split('\t') as [string, string, string];
        return { via, op, outcome, calls };
      })
      .sort((a, b) => (a.via + a.op + a.outcome).localeCompare(b.via + b.op + b.outcome));
  }

  reset(): void {
    this.counts.clear();
    this.longestMs = 0;
  }
}

/** The outcome of a failed call: the gRPC status name, with "(streamed)" once items had arrived. */
function failed(code: number | undefined, items: number): string {
  const name = code === undefined ? 'no status' : (status[code] ?? `code ${code}`);
  return items > 0 ? `${name} (streamed)` : name;
}

export interface CallLimits {
  /** gRPC deadline, or ?timeout= over REST */
  timeoutMs?: number;
}

/** One gRPC channel and one pool of HTTP keep-alive connections, and the checked calls through them. */
export class Callers {
  readonly itf: InterfaceClient;
  readonly vlib: VlibClient;
  readonly pool: Pool;
  private readonly watchers = new Set<Watcher>();

  constructor(
    grpcTarget: string,
    rest: string,
    /** the simulator's loopbacks: sw_if_index 1 to interfaces */
    readonly interfaces: number,
    readonly tally = new Tally(),
    connections = 64,
  ) {
    this.itf = new InterfaceClient(grpcTarget, credentials.createInsecure());
    // the same channel options share the one connection
    this.vlib = new VlibClient(grpcTarget, credentials.createInsecure());
    this.pool = new Pool(rest, { connections });
  }

  async close(): Promise<void> {
    for (const w of this.watchers) w.cancel();
    this.itf.close();
    this.vlib.close();
    await this.pool.close();
  }

  private options(limits: CallLimits): Partial<CallOptions> {
    return limits.timeoutMs === undefined ? {} : { deadline: Date.now() + limits.timeoutMs };
  }

  private grpcUnary<Res>(
    op: string,
    send: (opts: Partial<CallOptions>, cb: (err: { code?: number } | null, res?: Res) => void) => void,
    check: (res: Res) => string | undefined,
    limits: CallLimits,
  ): Promise<boolean> {
    const call = this.tally.begin('grpc', op);
    return new Promise((resolve) =>
      send(this.options(limits), (err, res) =>
        resolve(err ? this.tally.end(call, failed(err.code, 0)) : this.tally.end(call, 'ok', check(res!))),
      ),
    );
  }

  /** sw_interface_get_mac_address: loopback k's MAC */
  grpcMac(k: number, limits: CallLimits = {}): Promise<boolean> {
    return this.grpcUnary<SwInterfaceGetMacAddressReply>(
      'mac',
      (o, cb) => this.itf.swInterfaceGetMacAddress({ sw_if_index: k }, new Metadata(), o, cb),
      (r) => (r.mac_address === loopMac(k) ? undefined : `asked for ${k}'s MAC, got ${r.mac_address}`),
      limits,
    );
  }

  /** cli_inband `show interface loop<k-1>`: the one row of that interface */
  grpcCli(k: number, limits: CallLimits = {}): Promise<boolean> {
    return this.grpcUnary<CliInbandReply>(
      'cli',
      (o, cb) => this.vlib.cliInband({ cmd: `show interface ${loopName(k)}` }, new Metadata(), o, cb),
      (r) => checkCli(k, r.reply),
      limits,
    );
  }

  private grpcStream(
    op: string,
    stream: ClientReadableStream<SwInterfaceDetails>,
    check: (indexes: number[]) => string | undefined,
  ): Promise<boolean> {
    const call = this.tally.begin('grpc', op);
    const indexes: number[] = [];
    return new Promise((resolve) => {
      stream.on('data', (d: SwInterfaceDetails) => {
        call.items++;
        indexes.push(d.sw_if_index);
        if (d.sw_if_index > 0 && d.l2_address !== loopMac(d.sw_if_index))
          this.tally.problem(`grpc ${op}: interface ${d.sw_if_index} came with MAC ${d.l2_address}`);
      });
      // grpc-js ends a failed stream with both 'error' and 'end': the status is the one ending
      stream.on('error', () => {});
      stream.on('status', (s: { code: number }) => {
        if (s.code !== status.OK) resolve(this.tally.end(call, failed(s.code, call.items)));
        else if (stream.readableEnded) resolve(this.tally.end(call, 'ok', check(indexes)));
        else stream.once('end', () => resolve(this.tally.end(call, 'ok', check(indexes))));
      });
    });
  }

  /** sw_interface_dump of loopback k: exactly that one */
  grpcDumpOne(k: number, limits: CallLimits = {}): Promise<boolean> {
    const s = this.itf.swInterfaceDump(
      { sw_if_index: k, name_filter_valid: false, name_filter: '' },
      new Metadata(),
      this.options(limits),
    );
    return this.grpcStream('dump one', s, (ix) => checkOne(k, ix));
  }

  /** sw_interface_dump of everything: local0 and every loopback, in order */
  grpcDumpAll(limits: CallLimits = {}): Promise<boolean> {
    const s = this.itf.swInterfaceDump(
      { name_filter_valid: false, name_filter: '' },
      new Metadata(),
      this.options(limits),
    );
    return this.grpcStream('dump all', s, (ix) => checkAll(this.interfaces, ix));
  }

  private async restPost(
    op: string,
    path: string,
    body: unknown,
    limits: CallLimits,
    read: (text: string, call: Call) => string | undefined,
    accept = 'application/json',
  ): Promise<boolean> {
    const call = this.tally.begin('rest', op);
    const query = limits.timeoutMs === undefined ? '' : `?timeout=${limits.timeoutMs}ms`;
    let res;
    try {
      res = await this.pool.request({
        method: 'POST',
        path: path + query,
        headers: { 'content-type': 'application/json', accept },
        body: JSON.stringify(body),
      });
    } catch (e) {
      return this.tally.end(call, `no answer (${(e as { code?: string }).code ?? (e as Error).message})`);
    }
    let text: string;
    try {
      text = await res.body.text();
    } catch {
      return this.tally.end(call, 'stream failed');
    }
    if (res.statusCode !== 200)
      return this.tally.end(call, `HTTP ${res.statusCode}`, checkErrorBody(res.statusCode, text));
    let problem: string | undefined;
    try {
      problem = read(text, call);
    } catch (e) {
      return this.tally.end(call, (e as Error).message);
    }
    return this.tally.end(call, 'ok', problem);
  }

  restMac(k: number, limits: CallLimits = {}): Promise<boolean> {
    return this.restPost('mac', '/Interface/SwInterfaceGetMacAddress/request', { sw_if_index: k }, limits, (t) => {
      const mac = (JSON.parse(t) as { mac_address: string }).mac_address;
      return mac === loopMac(k) ? undefined : `asked for ${k}'s MAC, got ${mac}`;
    });
  }

  restCli(k: number, limits: CallLimits = {}): Promise<boolean> {
    return this.restPost('cli', '/Vlib/CliInband/request', { cmd: `show interface ${loopName(k)}` }, limits, (t) =>
      checkCli(k, (JSON.parse(t) as { reply: string }).reply),
    );
  }

  restDumpOne(k: number, limits: CallLimits = {}): Promise<boolean> {
    return this.restPost('dump one', '/Interface/SwInterfaceDump/request', { sw_if_index: k }, limits, (t) =>
      checkDetails(t, (ix) => checkOne(k, ix)),
    );
  }

  /** the whole dump as one JSON array (a truncated body when it fails after it started) */
  restDumpAll(limits: CallLimits = {}): Promise<boolean> {
    return this.restPost('dump all', '/Interface/SwInterfaceDump/request', {}, limits, (t) =>
      checkDetails(t, (ix) => checkAll(this.interfaces, ix)),
    );
  }

  /** the whole dump as NDJSON (an error line at the end when it fails after it started) */
  restDumpAllNdjson(limits: CallLimits = {}): Promise<boolean> {
    return this.restPost(
      'dump all ndjson',
      '/Interface/SwInterfaceDump/request',
      {},
      limits,
      readNdjson(this.interfaces),
      'application/x-ndjson',
    );
  }

  /** Admin up or down: every watcher sees an event for k. */
  async setFlags(via: Via, k: number, up: boolean): Promise<boolean> {
    const flags = up ? [IfStatusFlags.IF_STATUS_API_FLAG_ADMIN_UP] : [];
    if (via === 'grpc')
      return this.grpcUnary(
        'set flags',
        (o, cb) => this.itf.swInterfaceSetFlags({ sw_if_index: k, flags }, new Metadata(), o, cb),
        () => undefined,
        {},
      );
    return this.restPost(
      'set flags',
      '/Interface/SwInterfaceSetFlags/request',
      { sw_if_index: k, flags: up ? ['IF_STATUS_API_FLAG_ADMIN_UP'] : [] },
      {},
      () => undefined,
    );
  }

  /** Watch interface events over gRPC, or over REST as SSE or NDJSON. */
  watch(kind: WatchKind, limits: CallLimits = {}): Watcher {
    const w = kind === 'grpc' ? grpcWatcher(this.itf, this.options(limits)) : restWatcher(this.pool, kind, limits);
    this.watchers.add(w);
    void w.ended.then(() => this.watchers.delete(w));
    return w;
  }
}

function checkCli(k: number, reply: string): string | undefined {
  const names = reply.match(/\bloop\d+\b/g) ?? [];
  return names.length === 1 && names[0] === loopName(k)
    ? undefined
    : `asked to show ${loopName(k)}, got ${JSON.stringify(reply.slice(0, 200))}`;
}

function checkOne(k: number, indexes: number[]): string | undefined {
  return indexes.length === 1 && indexes[0] === k ? undefined : `dumped ${k}, got [${indexes.slice(0, 10).join(',')}]`;
}

function checkAll(n: number, indexes: number[]): string | undefined {
  if (indexes.length === n + 1 && indexes.every((x, i) => x === i)) return undefined;
  return `dumped all ${n + 1}, got ${indexes.length} starting [${indexes.slice(0, 5).join(',')}]`;
}

function checkDetails(text: string, check: (indexes: number[]) => string | undefined): string | undefined {
  const list = JSON.parse(text) as { sw_if_index: number; l2_address: string }[];
  const bad = list.find((d) => d.sw_if_index > 0 && d.l2_address !== loopMac(d.sw_if_index));
  if (bad) return `interface ${bad.sw_if_index} came with MAC ${bad.l2_address}`;
  return check(list.map((d) => d.sw_if_index));
}

function checkErrorBody(statusCode: number, text: string): string | undefined {
  try {
    const e = JSON.parse(text) as { code?: unknown; message?: unknown };
    if (typeof e.code === 'number' && typeof e.message === 'string') return undefined;
  } catch {
    // reported below
  }
  return `HTTP ${statusCode} without an error body: ${text.slice(0, 200)}`;
}

/** NDJSON details; a trailing {"error": …} line ends the call with that error (thrown as the outcome). */
function readNdjson(n: number): (text: string, call: Call) => string | undefined {
  return (text, call) => {
    const lines = text.split('\n').filter((l) => l !== '');
    const indexes: number[] = [];
    for (const line of lines) {
      const v = JSON.parse(line) as { sw_if_index?: number; error?: { code: number } };
      if (v.error) {
        call.items = indexes.length;
        throw new Error(failed(v.error.code, indexes.length));
      }
      indexes.push(v.sw_if_index!);
    }
    return checkAll(n, indexes);
  };
}

export type WatchKind = 'grpc' | 'sse' | 'ndjson';

export interface WatchEnd {
  at: number;
  /** gRPC status code; 0 for a normal end, -1 when the transport failed without one */
  code: number;
  message: string;
}

export interface Watcher {
  kind: WatchKind;
  /** sw_if_index of every event received */
  events: number[];
  /** true once the subscription is live, false if the call failed before */
  subscribed: Promise<boolean>;
  ended: Promise<WatchEnd>;
  cancel(): void;
}

function grpcWatcher(itf: InterfaceClient, options: Partial<CallOptions>): Watcher {
  const events: number[] = [];
  const call = itf.wantInterfaceEvents({ enable_disable: 1, pid: 0 }, new Metadata(), options);
  const subscribed = new Promise<boolean>((resolve) => {
    call.once('metadata', () => resolve(true));
    call.once('status', () => resolve(false));
  });
  const ended = new Promise<WatchEnd>((resolve) => {
    call.on('data', (e: { sw_if_index: number }) => events.push(e.sw_if_index));
    call.on('error', () => {});
    call.on('status', (s: { code: number; details: string }) =>
      resolve({ at: performance.now(), code: s.code, message: s.code === status.OK ? '' : s.details }),
    );
  });
  return { kind: 'grpc', events, subscribed, ended, cancel: () => call.cancel() };
}

function restWatcher(pool: Pool, kind: 'sse' | 'ndjson', limits: CallLimits): Watcher {
  const events: number[] = [];
  const abort = new AbortController();
  let live!: (v: boolean) => void;
  const subscribed = new Promise<boolean>((r) => (live = r));
  const ended = (async (): Promise<WatchEnd> => {
    const end = (code: number, message: string): WatchEnd => {
      live(false);
      return { at: performance.now(), code, message };
    };
    let res;
    try {
      res = await pool.request({
        method: 'POST',
        path: `/Interface/WantInterfaceEvents/request${limits.timeoutMs === undefined ? '' : `?timeout=${limits.timeoutMs}ms`}`,
        headers: { accept: kind === 'sse' ? 'text/event-stream' : 'application/x-ndjson' },
        signal: abort.signal,
      });
    } catch (e) {
      return end(-1, (e as Error).message);
    }
    if (res.statusCode !== 200) {
      const e = (await res.body.json().catch(() => ({}))) as { code?: number; message?: string };
      return end(e.code ?? -1, e.message ?? `HTTP ${res.statusCode}`);
    }
    live(true);
    let buf = '';
    const sep = kind === 'sse' ? '\n\n' : '\n';
    try {
      for await (const chunk of res.body) {
        buf += (chunk as Buffer).toString();
        let i: number;
        while ((i = buf.indexOf(sep)) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + sep.length);
          const data =
            kind === 'sse'
              ? block
                  .split('\n')
                  .filter((l) => l.startsWith('data: '))
                  .map((l) => l.slice(6))
                  .join('\n')
              : block;
          if (!data) continue;
          const v = JSON.parse(data) as { sw_if_index?: number; error?: { code: number; message: string } };
          const error = kind === 'sse' && block.startsWith('event: error') ? (v as WatchEnd) : v.error;
          if (error) return end(error.code, error.message);
          events.push(v.sw_if_index!);
        }
      }
    } catch (e) {
      return end(-1, (e as Error).message);
    }
    return end(0, '');
  })();
  return { kind, events, subscribed, ended, cancel: () => abort.abort() };
}

export interface Workers {
  /** finish the calls under way and stop */
  stop(): Promise<void>;
}

/**
 * `n` loops, each making one call after another; after a failed call a loop
 * waits `idleMs`, so that an outage is not a busy loop.
 */
export function workers(n: number, step: (worker: number, i: number) => Promise<boolean>, idleMs = 20): Workers {
  let running = true;
  const loops = Array.from({ length: n }, async (_, w) => {
    for (let i = 0; running; i++) if (!(await step(w, i))) await sleep(idleMs);
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

export type Op = (c: Callers, k: number) => Promise<boolean>;

/** Every checked call, over both paths. */
export const ALL_OPS: Record<string, Op> = {
  'grpc mac': (c, k) => c.grpcMac(k),
  'grpc cli': (c, k) => c.grpcCli(k),
  'grpc dump one': (c, k) => c.grpcDumpOne(k),
  'grpc dump all': (c) => c.grpcDumpAll(),
  'rest mac': (c, k) => c.restMac(k),
  'rest cli': (c, k) => c.restCli(k),
  'rest dump one': (c, k) => c.restDumpOne(k),
  'rest dump all': (c) => c.restDumpAll(),
  'rest dump all ndjson': (c) => c.restDumpAllNdjson(),
};

/** A worker step cycling through `ops`, each call about another loopback. */
export function mix(c: Callers, ops: Op[]): (worker: number, i: number) => Promise<boolean> {
  return (w, i) => ops[(w + i) % ops.length]!(c, 1 + ((w * 7919 + i * 31) % c.interfaces));
}
