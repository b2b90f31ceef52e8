/**
 * Checked calls that any VPP answers, the simulator or a real one:
 * show_version, control_ping (VPP's pid) and a loopback created with a MAC of
 * its own, read back and deleted; over gRPC and REST. Each answer is checked
 * against its request, so one that belongs to another call is caught.
 */
import { credentials, Metadata, status } from '@grpc/grpc-js';
import { Pool } from 'undici';
import { InterfaceClient } from '../../clients/typescript/generated/vpp/interface.js';
import { MemclntClient } from '../../clients/typescript/generated/vpp/memclnt.js';
import { VpeClient } from '../../clients/typescript/generated/vpp/vpe.js';
import { Tally, type Via } from './load.ts';

/** A failed step: the outcome to tally (gRPC status name or `HTTP n`) and what the failure said. */
class Failed extends Error {
  constructor(
    readonly outcome: string,
    message: string,
  ) {
    super(message);
  }
}

type Reply = Record<string, unknown>;

export type VppOp = 'version' | 'ping' | 'loopback';
export const VPP_OPS: VppOp[] = ['version', 'ping', 'loopback'];

export class VppCalls {
  private readonly vpe: VpeClient;
  private readonly memclnt: MemclntClient;
  private readonly itf: InterfaceClient;
  private readonly pool: Pool;
  private nextMac = 1;
  /** what failed calls said, a few of each outcome */
  readonly messages = new Map<string, Set<string>>();

  constructor(
    grpcTarget: string,
    rest: string,
    /** VPP's process id, as control_ping must report it */
    readonly vpePid: () => number,
    readonly tally = new Tally(),
  ) {
    this.vpe = new VpeClient(grpcTarget, credentials.createInsecure());
    this.memclnt = new MemclntClient(grpcTarget, credentials.createInsecure());
    this.itf = new InterfaceClient(grpcTarget, credentials.createInsecure());
    this.pool = new Pool(rest, { connections: 32 });
  }

  async close(): Promise<void> {
    this.vpe.close();
    this.memclnt.close();
    this.itf.close();
    await this.pool.close();
  }

  /** One checked call; false when it did not succeed. */
  async run(via: Via, op: VppOp): Promise<boolean> {
    const call = this.tally.begin(via, op);
    try {
      const problem = await this[op](via);
      return this.tally.end(call, 'ok', problem);
    } catch (e) {
      const f = e instanceof Failed ? e : new Failed('threw', (e as Error).message);
      const seen = this.messages.get(f.outcome) ?? new Set();
      if (seen.size < 5) seen.add(f.message);
      this.messages.set(f.outcome, seen);
      return this.tally.end(call, f.outcome);
    }
  }

  private async version(via: Via): Promise<string | undefined> {
    const r = await this.call(via, 'Vpe/ShowVersion', {}, (m, cb) => this.vpe.showVersion({}, m, cb));
    return r.program === 'vpe' && typeof r.version === 'string' && r.version !== '' && !('vpe_pid' in r)
      ? undefined
      : `show_version answered ${JSON.stringify(r)}`;
  }

  private async ping(via: Via): Promise<string | undefined> {
    const r = await this.call(via, 'Memclnt/ControlPing', {}, (m, cb) => this.memclnt.controlPing({}, m, cb));
    return r.vpe_pid === this.vpePid() && !('program' in r) ? undefined : `control_ping answered ${JSON.stringify(r)}`;
  }

  /** create_loopback with a MAC no other call uses; the interface it names must have that MAC. */
  private async loopback(via: Via): Promise<string | undefined> {
    const n = this.nextMac++;
    const mac = ['02', 'fe', n >>> 16, (n >>> 8) & 0xff, n & 0xff, 0x01]
      .map((b) => (typeof b === 'string' ? b : b.toString(16).padStart(2, '0')))
      .join(':');
    const created = await this.call(via, 'Interface/CreateLoopback', { mac_address: mac }, (m, cb) =>
      this.itf.createLoopback({ mac_address: mac }, m, cb),
    );
    const sw_if_index = created.sw_if_index as number;
    const read = await this.call(via, 'Interface/SwInterfaceGetMacAddress', { sw_if_index }, (m, cb) =>
      this.itf.swInterfaceGetMacAddress({ sw_if_index }, m, cb),
    );
    await this.call(via, 'Interface/DeleteLoopback', { sw_if_index }, (m, cb) =>
      this.itf.deleteLoopback({ sw_if_index }, m, cb),
    );
    return read.mac_address === mac ? undefined : `loopback ${sw_if_index} made with ${mac} has ${read.mac_address}`;
  }

  private async call(
    via: Via,
    route: string,
    body: Reply,
    grpcCall: (m: Metadata, cb: (err: { code?: number; details?: string } | null, res?: unknown) => void) => unknown,
  ): Promise<Reply> {
    if (via === 'grpc')
      return new Promise((resolve, reject) =>
        grpcCall(new Metadata(), (err, res) =>
          err
            ? reject(new Failed(status[err.code ?? status.UNKNOWN] ?? `code ${err.code}`, err.details ?? ''))
            : resolve(res as Reply),
        ),
      );
    let res;
    try {
      res = await this.pool.request({
        method: 'POST',
        path: `/${route}/request`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    } catch (e) {
      throw new Failed('no answer', (e as Error).message);
    }
    const text = await res.body.text();
    if (res.statusCode !== 200) {
      let message = text.slice(0, 200);
      try {
        message = (JSON.parse(text) as { message: string }).message;
      } catch {
        // not the gateway's error form: kept as text
      }
      throw new Failed(`HTTP ${res.statusCode}`, message);
    }
    return JSON.parse(text) as Reply;
  }
}
