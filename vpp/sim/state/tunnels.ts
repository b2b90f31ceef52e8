/**
 * IP-in-IP tunnels (vnet/ipip/ipip.c). A tunnel lives in a pool and has an
 * interface named `ipip<instance>`, the instance being the one asked for or
 * else the tunnel's pool index. Two tunnels may not share transport, mode,
 * source, destination and table.
 *
 * What a point-to-point tunnel does to the FIB, as VPP 26.06 does it: its
 * adjacency of a family exists while some FIB path goes through the tunnel, or
 * while its multicast FIB accepts on it (from an address added until an
 * address is deleted). Once such an adjacency meets the link up, it is stacked
 * on the destination, which is then tracked (a recursive-resolution entry in
 * the tunnel's table) until the adjacency goes, link up or not.
 */
import { NONE, RV } from '../retval.ts';
import type { InterfaceTable } from './interfaces.ts';
import type { FibTable, IpState } from './ip.ts';
import { IndexPool } from './pool.ts';
import { hostRoute, parsePrefix, type IpPrefix } from './prefix.ts';

/** vl_api_tunnel_mode_t */
export const TUNNEL_MODE = { P2P: 0, MP: 1 } as const;

/** ip4 and ip6 headers: what a tunnel's MTU loses to them */
const HEADER_SIZE = { ip4: 20, ip6: 40 };
/** VPP's largest frame on a virtual interface */
const MAX_FRAME = 65536;
/** the L3 MTU VPP gives a new tunnel */
const TUNNEL_MTU = 9000;

export interface IpipTunnelSpec {
  /** ~0: the tunnel's pool index */
  instance: number;
  src: string;
  dst: string;
  tableId: number;
  /** tunnel_encap_decap_flags bits */
  flags: number;
  mode: number;
  dscp: number;
}

export interface IpipTunnel {
  readonly index: number;
  readonly instance: number;
  readonly swIfIndex: number;
  readonly isIp6: boolean;
  readonly src: IpPrefix;
  readonly dst: IpPrefix;
  readonly table: FibTable;
  readonly flags: number;
  readonly mode: number;
  readonly dscp: number;
  /** per family: its adjacency is stacked on the destination */
  readonly stacked: [boolean, boolean];
}

export class IpipTunnels {
  private readonly pool = new IndexPool<IpipTunnel>();
  private readonly bySwIfIndex = new Map<number, IpipTunnel>();
  private readonly instances = new Set<number>();
  private readonly keys = new Map<string, IpipTunnel>();

  constructor(
    private readonly interfaces: InterfaceTable,
    private readonly ip: IpState,
  ) {
    ip.adjacencyListeners.push((sw) => this.refresh(sw));
  }

  /** Every tunnel, by pool index. */
  all(): IterableIterator<IpipTunnel> {
    return this.pool.values();
  }

  of(swIfIndex: number): IpipTunnel | undefined {
    return this.bySwIfIndex.get(swIfIndex);
  }

  /** ipip_add_tunnel: the reply's retval and sw_if_index (the existing tunnel's when it exists already). */
  add(spec: IpipTunnelSpec): { retval: number; swIfIndex: number } {
    const fail = (retval: number, swIfIndex = NONE): { retval: number; swIfIndex: number } => ({ retval, swIfIndex });
    const src = parseAddress(spec.src);
    const dst = parseAddress(spec.dst);
    if (src.isIp6 !== dst.isIp6) return fail(RV.INVALID_PROTOCOL);
    if (src.addr.equals(dst.addr)) return fail(RV.SAME_SRC_DST);
    if (spec.mode !== TUNNEL_MODE.P2P && spec.mode !== TUNNEL_MODE.MP) return fail(RV.INVALID_VALUE_2);
    const table = this.ip.table(src.isIp6, spec.tableId);
    if (!table) return fail(RV.NO_SUCH_FIB);
    if (spec.mode === TUNNEL_MODE.MP && dst.addr.some((b) => b !== 0)) return fail(RV.INVALID_DST_ADDRESS);
    const key = [src.isIp6, spec.mode, src.addr.toString('hex'), dst.addr.toString('hex'), table.fibIndex].join('|');
    const same = this.keys.get(key);
    if (same) return fail(RV.IF_ALREADY_EXISTS, same.swIfIndex);
    // the pool index decides the default instance before the instance is checked
    const index = this.pool.nextIndex();
    const instance = spec.instance === NONE ? index : spec.instance;
    if (this.instances.has(instance)) return fail(RV.INSTANCE_IN_USE);
    const itf = this.interfaces.createTunnel({
      name: `ipip${instance}`,
      kind: 'ipip',
      devType: 'IPIP tunnel device',
      linkMtu: MAX_FRAME - (src.isIp6 ? HEADER_SIZE.ip6 : HEADER_SIZE.ip4),
      mtu: TUNNEL_MTU,
    });
    const t = this.pool.add((i) => ({
      index: i,
      instance,
      swIfIndex: itf.swIfIndex,
      isIp6: src.isIp6,
      src,
      dst,
      table,
      flags: spec.flags,
      mode: spec.mode,
      dscp: spec.dscp,
      stacked: [false, false],
    }));
    this.instances.add(instance);
    this.keys.set(key, t);
    this.bySwIfIndex.set(t.swIfIndex, t);
    return { retval: RV.OK, swIfIndex: t.swIfIndex };
  }

  /** ipip_del_tunnel: its interface goes down and away, and its destination is no longer tracked. */
  delete(swIfIndex: number): number {
    const t = this.bySwIfIndex.get(swIfIndex);
    if (!t) return RV.NO_SUCH_ENTRY;
    this.interfaces.deleteTunnel(swIfIndex);
    this.setStacked(t, [false, false]);
    this.bySwIfIndex.delete(swIfIndex);
    this.instances.delete(t.instance);
    for (const [key, v] of this.keys) if (v === t) this.keys.delete(key);
    this.pool.delete(t.index);
    return RV.OK;
  }

  /** The tunnel's link or its adjacency needs changed: stack, or let go of, its destination. */
  refresh(swIfIndex: number): void {
    const t = this.bySwIfIndex.get(swIfIndex);
    if (!t || t.mode !== TUNNEL_MODE.P2P) return;
    const linkUp = this.interfaces.get(swIfIndex)?.linkUp ?? false;
    const next = [false, true].map((isIp6, f) => {
      if (!this.ip.needsAdjacency(swIfIndex, isIp6)) return false;
      return t.stacked[f] || linkUp;
    }) as [boolean, boolean];
    this.setStacked(t, next);
  }

  private setStacked(t: IpipTunnel, next: [boolean, boolean]): void {
    const was = t.stacked.some(Boolean);
    t.stacked[0] = next[0];
    t.stacked[1] = next[1];
    const is = t.stacked.some(Boolean);
    const dst = hostRoute(t.dst);
    if (is && !was) this.ip.track(t.table, dst);
    else if (was && !is) this.ip.untrack(t.table, dst);
  }
}

/** A tunnel end: an address, as an IpPrefix of its full length. */
function parseAddress(text: string): IpPrefix {
  return hostRoute(parsePrefix(`${text}/${text.includes(':') ? 128 : 32}`));
}
