/**
 * The simulator's stats segment: what VPP keeps there for a VPP without
 * traffic (system scalars, memory and buffer gauges, node errors), plus the
 * interface counters of the simulated interfaces, which move as time passes.
 * Served over a SEQPACKET socket with descriptor passing, like VPP's
 * stats.sock; a restart of the simulator makes a new segment, as VPP does.
 */
import { SegmentWriter } from '../stats/writer.ts';
import type { SimLog } from './log.ts';
import type { SimState } from './state/index.ts';

/** VPP's interface counters (vnet/interface.c), simple then combined, in VPP's order */
export const SIMPLE_IF_COUNTERS = [
  'drops',
  'punt',
  'ip4',
  'ip6',
  'rx-no-buf',
  'rx-miss',
  'rx-error',
  'tx-error',
  'mpls',
];
export const COMBINED_IF_COUNTERS = [
  'rx',
  'rx-unicast',
  'rx-multicast',
  'rx-broadcast',
  'tx',
  'tx-unicast',
  'tx-multicast',
  'tx-broadcast',
];
/** a few of VPP's node errors, as /err/<node>/<error> over /node/errors */
const NODE_ERRORS = [
  'null-node/blackholed packets',
  'error-drop/drops',
  'ip4-input/ip4 ttl <= 1',
  'ip4-input/valid ip4 packets',
  'ip6-input/ip6 hop limit <= 1',
  'ethernet-input/l3 mac mismatch',
  'arp-reply/ARP replies sent',
];

export interface SimStatsOptions {
  socketPath: string;
  /** the simulator's current state (a restart makes a new one) */
  state: () => SimState;
  /** main thread plus workers; VPP's counters are per thread */
  threads?: number;
  /** how often counters move and the interfaces are looked at again */
  intervalMs?: number;
  log?: SimLog;
}

interface IfEntries {
  name: string;
  symlinks: number[];
}

export class SimStats {
  private readonly threads: number;
  private readonly writer: SegmentWriter;
  private timer?: NodeJS.Timeout;
  private ticks = 0;
  private seenChanges = -1;
  private readonly entry = new Map<string, number>();
  private readonly interfaces = new Map<number, IfEntries>();
  private ifCount = 0;

  constructor(private readonly opts: SimStatsOptions) {
    this.threads = opts.threads ?? 2;
    this.writer = new SegmentWriter();
    this.build();
    this.sync();
  }

  get socketPath(): string {
    return this.opts.socketPath;
  }

  get epoch(): number {
    return this.writer.epoch;
  }

  start(): void {
    this.writer.serve(this.opts.socketPath);
    this.timer = setInterval(() => this.tick(), this.opts.intervalMs ?? 250);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.writer.close();
  }

  private index(name: string): number {
    return this.entry.get(name)!;
  }

  /** the entries VPP makes at start, in VPP's order */
  private build(): void {
    const w = this.writer;
    const state = this.opts.state();
    w.locked(() => {
      const add = (name: string, type: Parameters<SegmentWriter['add']>[1]): number => {
        const i = w.add(name, type);
        this.entry.set(name, i);
        return i;
      };
      add('/sys/heartbeat', 'scalar');
      add('/sys/last_stats_clear', 'scalar');
      w.setScalar(add('/sys/boottime', 'scalar'), state.system.startedAt / 1000);
      const mem = add('/mem/stat segment', 'counter');
      w.validate(mem, 1, 7);
      const size = BigInt(w.view.size);
      const used = 1_000_000n;
      [size, used, size - used, 0n, size, 200n, size - used - 60_000n].forEach((v, k) => {
        w.view.u64[w.counterSlot(mem, 0, k)] = v;
      });
      w.symlink('/mem/stat segment/used', mem, 1);
      w.symlink('/mem/stat segment/total', mem, 0);
      w.symlink('/mem/stat segment/free', mem, 2);
      add('/sys/vector_rate', 'gauge');
      w.validate(add('/sys/vector_rate_per_worker', 'counter'), 1, this.threads);
      w.validate(add('/sys/loops_per_worker', 'counter'), 1, this.threads);
      add('/buffer-pools/default-numa-0/cached', 'gauge');
      add('/buffer-pools/default-numa-0/used', 'gauge');
      w.setGauge(add('/buffer-pools/default-numa-0/available', 'gauge'), 16_800n);
      w.setGauge(add('/sys/num_worker_threads', 'gauge'), BigInt(this.threads - 1));
      const errors = add('/node/errors', 'counter');
      w.validate(errors, this.threads, NODE_ERRORS.length);
      NODE_ERRORS.forEach((e, k) => w.symlink(`/err/${e}`, errors, k));
      add('/sys/last_update', 'scalar');
      add('/sys/input_rate', 'scalar');
      for (const c of SIMPLE_IF_COUNTERS) add(`/if/${c}`, 'counter');
      for (const c of COMBINED_IF_COUNTERS) add(`/if/${c}`, 'combined');
      add('/if/names', 'name');
    });
  }

  /** follow the interface table: counters for new interfaces, none for deleted ones */
  sync(): void {
    const table = this.opts.state().interfaces;
    if (table.changes === this.seenChanges) return;
    this.seenChanges = table.changes;
    const w = this.writer;
    w.locked(() => {
      const now = new Map<number, string>();
      for (const i of table.all()) now.set(i.swIfIndex, i.name);
      for (const [sw, known] of this.interfaces) {
        if (now.get(sw) === known.name) continue;
        for (const s of known.symlinks) w.remove(s);
        this.zero(sw);
        this.interfaces.delete(sw);
      }
      this.ifCount = Math.max(0, ...now.keys()) + 1;
      const counters = [...SIMPLE_IF_COUNTERS, ...COMBINED_IF_COUNTERS];
      for (const c of counters) w.validate(this.index(`/if/${c}`), this.threads, this.ifCount);
      for (const [sw, name] of now) {
        if (this.interfaces.has(sw)) continue;
        this.zero(sw);
        const symlinks = counters.map((c) => w.symlink(`/interfaces/${name}/${c}`, this.index(`/if/${c}`), sw));
        this.interfaces.set(sw, { name, symlinks });
      }
      const names = Array.from({ length: this.ifCount }, (_, sw) => now.get(sw) ?? '');
      w.setNames(this.index('/if/names'), names);
    });
  }

  private zero(sw: number): void {
    const w = this.writer;
    for (const c of SIMPLE_IF_COUNTERS)
      for (let t = 0; t < this.threads; t++) w.view.u64[w.counterSlot(this.index(`/if/${c}`), t, sw)] = 0n;
    for (const c of COMBINED_IF_COUNTERS)
      for (let t = 0; t < this.threads; t++) {
        const k = w.counterSlot(this.index(`/if/${c}`), t, sw);
        w.view.u64[k] = 0n;
        w.view.u64[k + 1] = 0n;
      }
  }

  /** time passes: traffic on the loopbacks, a heartbeat every second */
  private tick(): void {
    try {
      this.sync();
      this.ticks++;
      const w = this.writer;
      const u64 = w.view.u64;
      const now = Date.now();
      const everySecond = Math.max(1, Math.round(1000 / (this.opts.intervalMs ?? 250)));
      if (this.ticks % everySecond === 0) w.setScalar(this.index('/sys/heartbeat'), this.ticks / everySecond);
      w.setScalar(this.index('/sys/last_update'), now / 1000);
      const state = this.opts.state();
      let packetsThisTick = 0;
      for (const i of state.interfaces.all()) {
        if (i.kind !== 'loopback') continue; // local0 and tunnels carry nothing
        for (let t = 0; t < this.threads; t++) {
          const packets = BigInt(1 + ((i.swIfIndex * 7 + this.ticks + t) % 10));
          const bytes = packets * BigInt(64 + ((i.swIfIndex * 131) % 1400));
          packetsThisTick += Number(packets);
          const add = (counter: string, p: bigint, b?: bigint): void => {
            const k = w.counterSlot(this.index(`/if/${counter}`), t, i.swIfIndex);
            u64[k] = u64[k]! + p;
            if (b !== undefined) u64[k + 1] = u64[k + 1]! + b;
          };
          add('rx', packets, bytes);
          add('rx-unicast', packets, bytes);
          if (i.adminUp) {
            add('ip4', packets);
            add('tx', packets, bytes);
            add('tx-unicast', packets, bytes);
          } else {
            add('drops', packets);
          }
        }
      }
      w.setGauge(this.index('/sys/vector_rate'), BigInt(Math.min(256, packetsThisTick)));
      const drops = w.counterSlot(this.index('/node/errors'), 0, 1);
      u64[drops] = u64[drops]! + 1n;
    } catch (err) {
      this.opts.log?.error({ err: (err as Error).message }, 'stats segment update failed');
    }
  }
}
