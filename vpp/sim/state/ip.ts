/**
 * IP state as VPP keeps it (vnet/fib, vnet/ip): FIB tables per family, their
 * entries with one path list per source (the best source is the one that
 * forwards and that dumps show), interface addresses, and which table each
 * interface is bound to.
 *
 * What VPP does and the simulator copies:
 * - table 0 of each family always exists, with VPP's default entries;
 * - an interface's address routes (local /32, connected prefix, and the
 *   network and broadcast /32 drops) exist only while it is admin up;
 * - addresses may not overlap within a table; an interface with addresses
 *   cannot change table;
 * - a route delete of a prefix that is not there is accepted (VPP allows it);
 * - prefixes are kept as given, host bits and all: VPP's connected route for
 *   10.10.1.1/24 is 10.10.1.1/24 (for 2001:db8::1/64 it is 2001:db8::/64), and
 *   10.0.0.5/8 is another entry than 10.0.0.0/8;
 * - stats indexes come from one pool, freed ones reused last-freed first;
 * - a recursive path (a next hop and no interface) tracks its next hop: the
 *   host prefix gets a recursive-resolution entry that forwards as its cover
 *   does (through the cover's interface when the cover is attached), as do
 *   tunnel destinations (see tunnels.ts);
 * - static neighbours put adjacency entries in their interface's table.
 */
import { NONE, RV } from '../retval.ts';
import type { InterfaceTable } from './interfaces.ts';
import {
  addressText,
  compareByLength,
  covers,
  hostRoute,
  maxLength,
  parsePrefix,
  prefixKey,
  withHostBits,
  type IpPrefix,
} from './prefix.ts';

/** In priority order (fib_source.h): the first one an entry has is the one it uses. */
export const FIB_SOURCES = [
  'special',
  'interface',
  'api',
  'adjacency',
  'recursive-resolution',
  'default-route',
] as const;
export type FibSource = (typeof FIB_SOURCES)[number];
/** its paths are the cover's, worked out when asked */
const RR: FibSource = 'recursive-resolution';
/** how deep a chain of recursive-resolution entries is followed before it counts as a loop */
const MAX_RECURSION = 16;

/** vl_api_fib_path_type_t */
export const PATH_TYPE = { NORMAL: 0, LOCAL: 1, DROP: 2, CLASSIFY: 10 } as const;
/** vl_api_fib_path_nh_proto_t */
export const NH_PROTO = { IP4: 0, IP6: 1 } as const;

export interface FibLabel {
  label: number;
  ttl: number;
  exp: number;
}

export interface FibPath {
  type: number;
  proto: number;
  swIfIndex: number;
  /** next hop in the family of `proto`; "" for none */
  nh: string;
  /** the table of a next hop resolved by lookup (sw_if_index ~0) */
  tableId: number;
  weight: number;
  preference: number;
  /** vl_api_fib_path_flags_t bits */
  flags: number[];
  viaLabel: number;
  objId: number;
  labels: FibLabel[];
}

export interface FibEntry {
  readonly prefix: IpPrefix;
  readonly statsIndex: number;
  readonly sources: Map<FibSource, FibPath[]>;
  /** how many paths and tunnels track this prefix (its recursive-resolution source) */
  trackers: number;
}

export interface FibTable {
  readonly tableId: number;
  readonly isIp6: boolean;
  /** VPP's ft_desc: the name given, or `ipv4-VRF:<id>` */
  readonly name: string;
  /** the table's place in its family's pool */
  readonly fibIndex: number;
  readonly entries: Map<string, FibEntry>;
  /** entries by their prefix with the host bits cleared, for finding covers */
  readonly byNetwork: Map<string, FibEntry[]>;
  /** held by ip_table_add_del */
  apiLock: boolean;
  /** interfaces bound with sw_interface_set_table */
  boundInterfaces: number;
}

export interface InterfaceAddress {
  swIfIndex: number;
  prefix: IpPrefix;
}

/** The source an entry uses: the best one it has. */
export function bestSource(e: FibEntry): FibSource {
  for (const source of FIB_SOURCES) if (e.sources.has(source)) return source;
  throw new Error('a FIB entry without sources');
}

/** A path that needs an adjacency on its interface (attached, or attached next hop). */
const usesAdjacency = (p: FibPath): boolean =>
  p.type === PATH_TYPE.NORMAL && p.swIfIndex !== NONE && (p.proto === NH_PROTO.IP4 || p.proto === NH_PROTO.IP6);

/** A path resolved through another entry of the FIB: its next hop's host prefix. */
const isRecursive = (p: FibPath): boolean =>
  p.type === PATH_TYPE.NORMAL &&
  p.swIfIndex === NONE &&
  p.nh !== '' &&
  (p.proto === NH_PROTO.IP4 || p.proto === NH_PROTO.IP6);

const nextHopPrefix = (p: FibPath): IpPrefix =>
  hostRoute(parsePrefix(`${p.nh}/${p.proto === NH_PROTO.IP6 ? 128 : 32}`));

/** Called when what an interface needs adjacencies for may have changed. */
export type AdjacencyListener = (swIfIndex: number) => void;
/** Called when an interface moves from one table to another. */
export type TableBindListener = (swIfIndex: number, isIp6: boolean, from: FibTable, to: FibTable) => void;

export function samePath(a: FibPath, b: FibPath): boolean {
  return (
    a.type === b.type &&
    a.proto === b.proto &&
    a.swIfIndex === b.swIfIndex &&
    a.nh === b.nh &&
    a.tableId === b.tableId &&
    a.viaLabel === b.viaLabel &&
    a.objId === b.objId
  );
}

export function makePath(p: Partial<FibPath> & Pick<FibPath, 'type' | 'proto'>): FibPath {
  return {
    swIfIndex: NONE,
    nh: '',
    tableId: 0,
    weight: 1,
    preference: 0,
    flags: [],
    viaLabel: 0,
    objId: 0,
    labels: [],
    ...p,
  };
}

const drop = (isIp6: boolean): FibPath[] => [
  makePath({ type: PATH_TYPE.DROP, proto: isIp6 ? NH_PROTO.IP6 : NH_PROTO.IP4 }),
];

/** Entries VPP puts in every new table (ip4_fib.c, ip6_fib.c), in its order. */
const DEFAULT_ENTRIES: Record<'4' | '6', [string, FibSource, (isIp6: boolean) => FibPath[]][]> = {
  '4': [
    // VPP adds 0.0.0.0/32 and 255.255.255.255/32 as default-route drops, the /4s as special ones
    ['0.0.0.0/0', 'default-route', drop],
    ['0.0.0.0/32', 'default-route', drop],
    ['240.0.0.0/4', 'special', drop],
    ['224.0.0.0/4', 'special', drop],
    ['255.255.255.255/32', 'default-route', drop],
  ],
  '6': [
    ['::/0', 'default-route', drop],
    // link-local lookup: shown as a path with neither interface nor next hop
    ['fe80::/10', 'special', () => [makePath({ type: PATH_TYPE.NORMAL, proto: NH_PROTO.IP6 })]],
  ],
};

export class IpState {
  private readonly tables = new Map<string, FibTable>();
  private readonly fibIndexes: [number, number] = [0, 0];
  private nextStatsIndex = 1;
  private readonly freeStats: number[] = [];
  private readonly addresses = new Map<number, InterfaceAddress[]>();
  /** table id per interface: [ip4, ip6]; absent: table 0 */
  private readonly bindings = new Map<number, [number, number]>();
  /** each interface's connected prefixes (VPP's if_prefix): by family and network, the address that made it */
  private readonly interfacePrefixes = new Map<number, Map<string, IpPrefix>>();
  /** the interface-sourced entries each interface holds: key → table */
  private readonly interfaceRoutes = new Map<number, Map<string, { table: FibTable; prefix: IpPrefix }>>();
  /** FIB paths that need an adjacency on each interface: [ip4, ip6] */
  private readonly adjacencyPaths = new Map<number, [number, number]>();
  /**
   * Interfaces whose multicast FIB accepts packets on them, per family: VPP
   * adds that path with each address and removes it with each address deleted,
   * whatever other addresses remain. The path holds an adjacency too.
   */
  private readonly mcastAccept = new Map<number, [boolean, boolean]>();
  /** interfaces whose adjacency needs changed during the current change */
  private readonly touched = new Set<number>();
  /** how deep in nested path changes (tracking a next hop adds an entry) */
  private changing = 0;
  readonly adjacencyListeners: AdjacencyListener[] = [];
  readonly tableBindListeners: TableBindListener[] = [];

  constructor(private readonly interfaces: InterfaceTable) {
    this.createTable(false, 0, '');
    this.createTable(true, 0, '');
  }

  table(isIp6: boolean, tableId: number): FibTable | undefined {
    return this.tables.get(tableKey({ isIp6, tableId }));
  }

  /** ip4 tables, then ip6 tables, each in creation order (ip_table_dump). */
  allTables(): FibTable[] {
    const all = [...this.tables.values()];
    return [...all.filter((t) => !t.isIp6), ...all.filter((t) => t.isIp6)];
  }

  /** ip_table_add_del with is_add: table 0 is always there; adding twice is fine. */
  addTable(isIp6: boolean, tableId: number, name: string): number {
    if (tableId === 0) return RV.OK;
    const t = this.table(isIp6, tableId) ?? this.createTable(isIp6, tableId, name);
    t.apiLock = true;
    return RV.OK;
  }

  /**
   * ip_table_add_del without is_add: drops the API's lock. The table, routes
   * and all, stays while an interface is bound to it or a recursive path
   * resolves through it. Unknown tables and table 0 are ignored.
   */
  deleteTable(isIp6: boolean, tableId: number): number {
    const t = this.table(isIp6, tableId);
    if (tableId === 0 || !t) return RV.OK;
    t.apiLock = false;
    this.releaseIfUnused(t);
    return RV.OK;
  }

  tableIdOf(swIfIndex: number, isIp6: boolean): number {
    return this.bindings.get(swIfIndex)?.[isIp6 ? 1 : 0] ?? 0;
  }

  /** sw_interface_set_table */
  bindTable(swIfIndex: number, isIp6: boolean, tableId: number): number {
    const target = this.table(isIp6, tableId);
    if (!target) return RV.NO_SUCH_FIB;
    if (this.addressesOf(swIfIndex, isIp6).length > 0) return RV.ADDRESS_FOUND_FOR_INTERFACE;
    const previous = this.table(isIp6, this.tableIdOf(swIfIndex, isIp6))!;
    if (previous === target) return RV.OK;
    if (previous.tableId !== 0) previous.boundInterfaces--;
    if (target.tableId !== 0) target.boundInterfaces++;
    const b = this.bindings.get(swIfIndex) ?? [0, 0];
    b[isIp6 ? 1 : 0] = tableId;
    this.bindings.set(swIfIndex, b);
    for (const listen of this.tableBindListeners) listen(swIfIndex, isIp6, previous, target);
    if (previous.tableId !== 0) this.releaseIfUnused(previous);
    return RV.OK;
  }

  addressesOf(swIfIndex: number, isIp6: boolean): InterfaceAddress[] {
    return (this.addresses.get(swIfIndex) ?? []).filter((a) => a.prefix.isIp6 === isIp6);
  }

  /** sw_interface_add_del_address with is_add (ip4/ip6_add_del_interface_address). */
  addAddress(swIfIndex: number, prefix: IpPrefix): number {
    const tableId = this.tableIdOf(swIfIndex, prefix.isIp6);
    for (const [other, list] of this.addresses) {
      if (this.tableIdOf(other, prefix.isIp6) !== tableId) continue;
      for (const a of list) {
        if (a.prefix.isIp6 !== prefix.isIp6) continue;
        if (!covers(a.prefix, prefix) && !covers(prefix, a.prefix)) continue;
        // an interface may have more than one address in the same prefix
        if (other === swIfIndex && a.prefix.len === prefix.len && !a.prefix.addr.equals(prefix.addr)) continue;
        return RV.ADDRESS_IN_USE;
      }
    }
    const list = this.addresses.get(swIfIndex) ?? [];
    list.push({ swIfIndex, prefix });
    this.addresses.set(swIfIndex, list);
    this.setMcastAccept(swIfIndex, prefix.isIp6, true);
    this.refreshInterfaceRoutes(swIfIndex);
    return RV.OK;
  }

  delAddress(swIfIndex: number, prefix: IpPrefix): number {
    const list = this.addresses.get(swIfIndex) ?? [];
    const at = list.findIndex((a) => a.prefix.len === prefix.len && a.prefix.addr.equals(prefix.addr));
    if (at < 0) return RV.ADDRESS_NOT_FOUND_FOR_INTERFACE;
    list.splice(at, 1);
    if (list.length === 0) this.addresses.delete(swIfIndex);
    this.setMcastAccept(swIfIndex, prefix.isIp6, false);
    this.refreshInterfaceRoutes(swIfIndex);
    return RV.OK;
  }

  delAllAddresses(swIfIndex: number): void {
    for (const a of this.addresses.get(swIfIndex) ?? []) this.setMcastAccept(swIfIndex, a.prefix.isIp6, false);
    this.addresses.delete(swIfIndex);
    this.refreshInterfaceRoutes(swIfIndex);
  }

  /**
   * Whether an interface holds an adjacency of a family: some FIB path goes
   * through it, or its multicast FIB accepts on it.
   */
  needsAdjacency(swIfIndex: number, isIp6: boolean): boolean {
    const f = isIp6 ? 1 : 0;
    return (this.adjacencyPaths.get(swIfIndex)?.[f] ?? 0) > 0 || (this.mcastAccept.get(swIfIndex)?.[f] ?? false);
  }

  /** fib_entry_track: the prefix gets (or keeps) a recursive-resolution entry. */
  track(table: FibTable, prefix: IpPrefix): void {
    const e = this.setSource(table, prefix, RR, []);
    e.trackers++;
  }

  /** fib_entry_untrack: the last tracker gone, the recursive-resolution source goes. */
  untrack(table: FibTable, prefix: IpPrefix): void {
    const e = table.entries.get(prefixKey(prefix));
    if (!e || e.trackers === 0) return;
    if (--e.trackers > 0) return;
    this.removeSource(table, prefix, RR);
    this.releaseIfUnused(table);
  }

  /** A neighbour's adjacency entry (ip_neighbor_adj_fib_add): a path through its interface. */
  addNeighborRoute(table: FibTable, address: IpPrefix, swIfIndex: number): void {
    const path = neighborPath(address, swIfIndex);
    const current = table.entries.get(prefixKey(address))?.sources.get('adjacency') ?? [];
    if (!current.some((p) => samePath(p, path))) this.setSource(table, address, 'adjacency', [...current, path]);
  }

  removeNeighborRoute(table: FibTable, address: IpPrefix, swIfIndex: number): void {
    const path = neighborPath(address, swIfIndex);
    const current = table.entries.get(prefixKey(address))?.sources.get('adjacency');
    if (!current) return;
    const left = current.filter((p) => !samePath(p, path));
    if (left.length > 0) this.setSource(table, address, 'adjacency', left);
    else this.removeSource(table, address, 'adjacency');
  }

  /**
   * What an entry forwards with, as dumps show it: its best source and that
   * source's paths; a recursive-resolution entry has its cover's.
   */
  forwarding(table: FibTable, e: FibEntry, depth = 0): { source: FibSource; paths: FibPath[] } {
    const source = bestSource(e);
    if (source !== RR) return { source, paths: e.sources.get(source)! };
    return { source, paths: this.viaCover(table, e, depth) };
  }

  /** The interface went admin up or down: its address routes come or go. */
  adminChanged(swIfIndex: number): void {
    this.refreshInterfaceRoutes(swIfIndex);
  }

  /** The interface is being deleted (already down): its addresses and bindings go. */
  interfaceDeleted(swIfIndex: number): void {
    this.delAllAddresses(swIfIndex);
    for (const isIp6 of [false, true]) this.bindTable(swIfIndex, isIp6, 0);
    this.bindings.delete(swIfIndex);
  }

  /**
   * ip_route_add_del with is_add: replace the API's paths (or, with
   * multipath, add to them). Returns the entry's stats index.
   */
  addRoute(table: FibTable, pfx: IpPrefix, paths: FibPath[], multipath: boolean): number {
    const current = table.entries.get(prefixKey(pfx))?.sources.get('api') ?? [];
    let next = paths;
    if (multipath) {
      next = [...current];
      for (const p of paths) {
        const at = next.findIndex((q) => samePath(p, q));
        if (at >= 0) next[at] = p;
        else next.push(p);
      }
    }
    return this.setSource(table, pfx, 'api', next).statsIndex;
  }

  /** ip_route_add_del without is_add: the API's paths go (with multipath: just these). */
  deleteRoute(table: FibTable, pfx: IpPrefix, paths: FibPath[], multipath: boolean): void {
    const current = table.entries.get(prefixKey(pfx))?.sources.get('api');
    if (!current) return;
    const left = multipath ? current.filter((q) => !paths.some((p) => samePath(p, q))) : [];
    if (left.length > 0) this.setSource(table, pfx, 'api', left);
    else this.removeSource(table, pfx, 'api');
  }

  /** A table's entries, shorter prefixes first. */
  routes(table: FibTable): FibEntry[] {
    return [...table.entries.values()].sort((a, b) => compareByLength(a.prefix, b.prefix));
  }

  private createTable(isIp6: boolean, tableId: number, name: string): FibTable {
    const family = isIp6 ? 1 : 0;
    const t: FibTable = {
      tableId,
      isIp6,
      name: name || `ipv${isIp6 ? 6 : 4}-VRF:${tableId}`,
      fibIndex: this.fibIndexes[family]++,
      entries: new Map(),
      byNetwork: new Map(),
      apiLock: false,
      boundInterfaces: 0,
    };
    this.tables.set(tableKey(t), t);
    for (const [text, source, paths] of DEFAULT_ENTRIES[isIp6 ? '6' : '4'])
      this.setSource(t, parsePrefix(text), source, paths(isIp6));
    return t;
  }

  /** fib_table_unlock: a table nothing holds goes, and its entries with it. */
  private releaseIfUnused(t: FibTable): void {
    if (t.tableId === 0 || t.apiLock || t.boundInterfaces > 0 || this.tables.get(tableKey(t)) !== t) return;
    // recursive paths that resolve through the table lock it
    for (const e of t.entries.values()) if (e.trackers > 0) return;
    this.tables.delete(tableKey(t));
    for (const e of [...t.entries.values()])
      for (const source of [...e.sources.keys()]) this.removeSource(t, e.prefix, source);
  }

  private setSource(t: FibTable, prefix: IpPrefix, source: FibSource, paths: FibPath[]): FibEntry {
    const key = prefixKey(prefix);
    let e = t.entries.get(key);
    if (!e) {
      const statsIndex = this.freeStats.pop() ?? this.nextStatsIndex++;
      e = { prefix, statsIndex, sources: new Map(), trackers: 0 };
      t.entries.set(key, e);
      const network = networkKey(prefix);
      t.byNetwork.set(network, [...(t.byNetwork.get(network) ?? []), e]);
    }
    const old = e.sources.get(source) ?? [];
    e.sources.set(source, paths);
    this.pathsChanged(paths, old);
    return e;
  }

  private removeSource(t: FibTable, prefix: IpPrefix, source: FibSource): void {
    const key = prefixKey(prefix);
    const e = t.entries.get(key);
    const old = e?.sources.get(source);
    if (!e || !old) return;
    e.sources.delete(source);
    if (source === RR) e.trackers = 0;
    if (e.sources.size === 0) {
      t.entries.delete(key);
      const network = networkKey(prefix);
      const left = (t.byNetwork.get(network) ?? []).filter((x) => x !== e);
      if (left.length > 0) t.byNetwork.set(network, left);
      else t.byNetwork.delete(network);
      this.freeStats.push(e.statsIndex);
    }
    this.pathsChanged([], old);
  }

  /**
   * Paths came and went: adjacencies on their interfaces are held or let go,
   * next hops of recursive paths are tracked or untracked. Listeners hear of
   * the interfaces touched once the outermost change is done.
   */
  private pathsChanged(added: FibPath[], removed: FibPath[]): void {
    this.changing++;
    try {
      for (const [list, step] of [
        [added, 1],
        [removed, -1],
      ] as const)
        for (const p of list) {
          if (usesAdjacency(p)) {
            const counts = this.adjacencyPaths.get(p.swIfIndex) ?? [0, 0];
            counts[p.proto === NH_PROTO.IP6 ? 1 : 0] += step;
            if (counts[0] === 0 && counts[1] === 0) this.adjacencyPaths.delete(p.swIfIndex);
            else this.adjacencyPaths.set(p.swIfIndex, counts);
            this.touched.add(p.swIfIndex);
          } else if (isRecursive(p)) {
            const via = this.table(p.proto === NH_PROTO.IP6, p.tableId);
            if (via && step > 0) this.track(via, nextHopPrefix(p));
            else if (via) this.untrack(via, nextHopPrefix(p));
          }
        }
    } finally {
      this.changing--;
    }
    if (this.changing === 0) this.notifyTouched();
  }

  private setMcastAccept(swIfIndex: number, isIp6: boolean, on: boolean): void {
    const flags = this.mcastAccept.get(swIfIndex) ?? [false, false];
    if (flags[isIp6 ? 1 : 0] === on) return;
    flags[isIp6 ? 1 : 0] = on;
    if (flags[0] || flags[1]) this.mcastAccept.set(swIfIndex, flags);
    else this.mcastAccept.delete(swIfIndex);
    this.touched.add(swIfIndex);
    this.notifyTouched();
  }

  private notifyTouched(): void {
    const touched = [...this.touched];
    this.touched.clear();
    for (const sw of touched) for (const listen of this.adjacencyListeners) listen(sw);
  }

  /**
   * fib_entry_src_rr_activate: through the cover's interface when the cover is
   * attached (the prefix is a neighbour there), else the cover's own paths;
   * a drop when the cover resolves through this very entry.
   */
  private viaCover(table: FibTable, e: FibEntry, depth: number): FibPath[] {
    const proto = e.prefix.isIp6 ? NH_PROTO.IP6 : NH_PROTO.IP4;
    const cover = depth < MAX_RECURSION ? this.lessSpecific(table, e.prefix) : undefined;
    if (!cover) return drop(e.prefix.isIp6);
    const { source, paths } = this.forwarding(table, cover, depth + 1);
    if (this.isAttached(source, paths))
      return [makePath({ type: PATH_TYPE.NORMAL, proto, swIfIndex: paths[0]!.swIfIndex, nh: addressText(e.prefix) })];
    const loops = paths.some(
      (p) => isRecursive(p) && p.tableId === table.tableId && prefixKey(nextHopPrefix(p)) === prefixKey(e.prefix),
    );
    return loops ? drop(e.prefix.isIp6) : paths;
  }

  /** fib_table_get_less_specific: the longest prefix that covers this one, shorter than it. */
  private lessSpecific(table: FibTable, prefix: IpPrefix): FibEntry | undefined {
    for (let len = prefix.len - 1; len >= 0; len--) {
      const found = table.byNetwork.get(networkKey({ ...prefix, len }));
      if (found) return found[0];
    }
    return undefined;
  }

  /**
   * FIB_ENTRY_FLAG_ATTACHED: an interface's connected prefix, or an API route
   * whose (last) path is attached: an interface and no next hop, or a
   * point-to-point interface.
   */
  private isAttached(source: FibSource, paths: FibPath[]): boolean {
    const last = paths[paths.length - 1];
    if (!last || !usesAdjacency(last)) return false;
    if (source === 'interface') return true;
    return source === 'api' && (last.nh === '' || this.interfaces.get(last.swIfIndex)?.kind === 'ipip');
  }

  /**
   * Make the interface-sourced entries of an interface match its addresses and
   * admin state. A prefix two addresses share gets its routes once, from the
   * address that came first, and keeps that form while any of them remains.
   */
  private refreshInterfaceRoutes(swIfIndex: number): void {
    const wanted = new Map<string, { table: FibTable; prefix: IpPrefix; paths: FibPath[] }>();
    const madeBefore = this.interfacePrefixes.get(swIfIndex);
    const made = new Map<string, IpPrefix>();
    if (this.interfaces.get(swIfIndex)?.adminUp)
      for (const a of this.addresses.get(swIfIndex) ?? []) {
        const table = this.table(a.prefix.isIp6, this.tableIdOf(swIfIndex, a.prefix.isIp6))!;
        const routes = [localRoute(a)];
        const network = `${a.prefix.isIp6}:${networkKey(a.prefix)}`;
        if (a.prefix.len < maxLength(a.prefix) && !made.has(network)) {
          const first = madeBefore?.get(network) ?? a.prefix;
          made.set(network, first);
          routes.push(...prefixRoutes(first, swIfIndex));
        }
        for (const [prefix, paths] of routes)
          wanted.set(`${table.isIp6}:${table.tableId}:${prefixKey(prefix)}`, { table, prefix, paths });
      }
    if (made.size > 0) this.interfacePrefixes.set(swIfIndex, made);
    else this.interfacePrefixes.delete(swIfIndex);
    const held = this.interfaceRoutes.get(swIfIndex) ?? new Map<string, { table: FibTable; prefix: IpPrefix }>();
    for (const [key, r] of held)
      if (!wanted.has(key)) {
        this.removeSource(r.table, r.prefix, 'interface');
        held.delete(key);
      }
    for (const [key, r] of wanted) {
      this.setSource(r.table, r.prefix, 'interface', r.paths);
      held.set(key, r);
    }
    if (held.size > 0) this.interfaceRoutes.set(swIfIndex, held);
    else this.interfaceRoutes.delete(swIfIndex);
  }
}

const tableKey = (t: { isIp6: boolean; tableId: number }): string => `${t.isIp6 ? 6 : 4}:${t.tableId}`;

/** An entry's place in the index of covers: the prefix with its host bits cleared. */
const networkKey = (p: IpPrefix): string => prefixKey(withHostBits(p, 0));

function neighborPath(address: IpPrefix, swIfIndex: number): FibPath {
  const proto = address.isIp6 ? NH_PROTO.IP6 : NH_PROTO.IP4;
  return makePath({ type: PATH_TYPE.NORMAL, proto, swIfIndex, nh: addressText(address) });
}

/** An address's local host route (the first route VPP makes for it). */
function localRoute(a: InterfaceAddress): [IpPrefix, FibPath[]] {
  const proto = a.prefix.isIp6 ? NH_PROTO.IP6 : NH_PROTO.IP4;
  const host = hostRoute(a.prefix);
  return [host, [makePath({ type: PATH_TYPE.LOCAL, proto, swIfIndex: a.swIfIndex, nh: addressText(host) })]];
}

/**
 * The routes of a connected prefix, in the order VPP allocates their stats
 * indexes: the connected (glean) prefix, then drops for the network and
 * broadcast addresses of IPv4 prefixes up to /30; a /31 makes the other
 * address attached instead.
 */
function prefixRoutes(prefix: IpPrefix, swIfIndex: number): [IpPrefix, FibPath[]][] {
  const proto = prefix.isIp6 ? NH_PROTO.IP6 : NH_PROTO.IP4;
  // unlike IPv4's, VPP's IPv6 connected prefix has its host bits cleared
  if (prefix.isIp6) return [[withHostBits(prefix, 0), [makePath({ type: PATH_TYPE.NORMAL, proto, swIfIndex })]]];
  const out: [IpPrefix, FibPath[]][] = [];
  if (prefix.len <= 30) {
    out.push([prefix, [makePath({ type: PATH_TYPE.NORMAL, proto, swIfIndex })]]);
    for (const edge of [withHostBits(prefix, 0), withHostBits(prefix, 1)])
      if (!edge.addr.equals(prefix.addr)) out.push([hostRoute(edge), drop(false)]);
  } else {
    const other = Buffer.from(prefix.addr);
    other[3]! ^= 1;
    const peer: IpPrefix = { isIp6: false, addr: other, len: 32 };
    out.push([peer, [makePath({ type: PATH_TYPE.NORMAL, proto, swIfIndex, nh: addressText(peer) })]]);
  }
  return out;
}
