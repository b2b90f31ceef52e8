/**
 * IP neighbours added through the API (vnet/ip-neighbor/ip_neighbor.c): one
 * per interface and address, static or dynamic. A neighbour puts an
 * adjacency entry (its host prefix through its interface) in its interface's
 * table, unless it is flagged no-fib-entry or is IPv6 link-local (those go to
 * a link-local table the simulator does not keep); the entry follows the
 * interface to another table. Admin down drops the dynamic neighbours of an
 * interface; deleting it drops them all.
 */
import { NONE, RV } from '../retval.ts';
import type { InterfaceTable } from './interfaces.ts';
import type { FibTable, IpState } from './ip.ts';
import { IndexPool } from './pool.ts';
import { covers, parsePrefix, type IpPrefix } from './prefix.ts';

export interface SimNeighbor {
  readonly swIfIndex: number;
  /** the neighbour's address, as a host prefix */
  readonly address: IpPrefix;
  mac: string;
  isStatic: boolean;
  readonly noFibEntry: boolean;
  /** when it was last added or changed (ms since the epoch) */
  updatedAt: number;
  /** its adjacency's index (the reply's stats_index), ~0 without one */
  readonly adjacency: number;
}

/** ip_neighbor_add's answer when a dynamic entry would replace a static one with another MAC */
const STATIC_KEPT = -2;

const LINK_LOCAL = parsePrefix('fe80::/10');

export class NeighborTable {
  private readonly byKey = new Map<string, SimNeighbor>();
  /** adjacencies of neighbours (each its own index), for the index the reply carries */
  private readonly adjacencies = new IndexPool<number>();

  constructor(
    private readonly interfaces: InterfaceTable,
    private readonly ip: IpState,
    private readonly now: () => number = Date.now,
  ) {
    ip.tableBindListeners.push((sw, isIp6, from, to) => this.moved(sw, isIp6, from, to));
  }

  /**
   * ip_neighbor_add: a new neighbour, or an update of one. A dynamic update of
   * a static neighbour with another MAC is refused (-2, VPP's bare return); a
   * static one makes a dynamic neighbour static.
   */
  add(
    swIfIndex: number,
    address: IpPrefix,
    mac: string,
    flags: { isStatic: boolean; noFibEntry: boolean },
  ): { retval: number; adjacency: number } {
    if (!this.interfaces.has(swIfIndex)) return { retval: RV.INVALID_SW_IF_INDEX, adjacency: NONE };
    const key = keyOf(swIfIndex, address);
    const known = this.byKey.get(key);
    if (known) {
      if (!flags.isStatic && known.isStatic) {
        return known.mac === mac
          ? { retval: RV.OK, adjacency: known.adjacency }
          : { retval: STATIC_KEPT, adjacency: NONE };
      }
      if (flags.isStatic) known.isStatic = true;
      known.mac = mac;
      known.updatedAt = this.now();
      return { retval: RV.OK, adjacency: known.adjacency };
    }
    const inFib = !flags.noFibEntry && !isLinkLocal(address);
    const n: SimNeighbor = {
      swIfIndex,
      address,
      mac,
      isStatic: flags.isStatic,
      noFibEntry: flags.noFibEntry,
      updatedAt: this.now(),
      adjacency: flags.noFibEntry ? NONE : this.adjacencies.add((index) => index),
    };
    this.byKey.set(key, n);
    if (inFib) this.ip.addNeighborRoute(this.tableOf(n), address, swIfIndex);
    return { retval: RV.OK, adjacency: n.adjacency };
  }

  /** ip_neighbor_del */
  delete(swIfIndex: number, address: IpPrefix): number {
    if (!this.interfaces.has(swIfIndex)) return RV.INVALID_SW_IF_INDEX;
    const n = this.byKey.get(keyOf(swIfIndex, address));
    if (!n) return RV.NO_SUCH_ENTRY;
    this.destroy(n);
    return RV.OK;
  }

  /** ip_neighbor_dump: one family, every interface (~0) or one. */
  list(isIp6: boolean, swIfIndex: number): SimNeighbor[] {
    return [...this.byKey.values()].filter(
      (n) => n.address.isIp6 === isIp6 && (swIfIndex === NONE || n.swIfIndex === swIfIndex),
    );
  }

  /** Admin down flushes an interface's dynamic neighbours. */
  adminChanged(swIfIndex: number, up: boolean): void {
    if (up) return;
    for (const n of [...this.byKey.values()]) if (n.swIfIndex === swIfIndex && !n.isStatic) this.destroy(n);
  }

  interfaceDeleted(swIfIndex: number): void {
    for (const n of [...this.byKey.values()]) if (n.swIfIndex === swIfIndex) this.destroy(n);
  }

  private destroy(n: SimNeighbor): void {
    this.byKey.delete(keyOf(n.swIfIndex, n.address));
    if (n.adjacency !== NONE) this.adjacencies.delete(n.adjacency);
    if (!n.noFibEntry && !isLinkLocal(n.address)) this.ip.removeNeighborRoute(this.tableOf(n), n.address, n.swIfIndex);
  }

  private tableOf(n: SimNeighbor): FibTable {
    return this.ip.table(n.address.isIp6, this.ip.tableIdOf(n.swIfIndex, n.address.isIp6))!;
  }

  /** ip_neighbor_table_bind: the adjacency entries follow the interface. */
  private moved(swIfIndex: number, isIp6: boolean, from: FibTable, to: FibTable): void {
    for (const n of this.list(isIp6, swIfIndex)) {
      if (n.noFibEntry || isLinkLocal(n.address)) continue;
      this.ip.removeNeighborRoute(from, n.address, swIfIndex);
      this.ip.addNeighborRoute(to, n.address, swIfIndex);
    }
  }
}

const keyOf = (swIfIndex: number, address: IpPrefix): string => `${swIfIndex}/${address.addr.toString('hex')}`;

const isLinkLocal = (address: IpPrefix): boolean => address.isIp6 && covers(LINK_LOCAL, address);
