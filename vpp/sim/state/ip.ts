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
 *   10.10.1.1/24 is 10.10.1.1/24, and 10.0.0.5/8 is another entry than 10.0.0.0/8;
 * - stats indexes come from one pool, freed ones reused last-freed first.
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

/** In priority order: the first one an entry has is the one it uses. */
export const FIB_SOURCES = ['special', 'interface', 'api', 'default-route'] as const;
export type FibSource = (typeof FIB_SOURCES)[number];

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
}

export interface FibTable {
  readonly tableId: number;
  readonly isIp6: boolean;
  /** VPP's ft_desc: the name given, or `ipv4-VRF:<id>` */
  readonly name: string;
  /** the table's place in its family's pool */
  readonly fibIndex: number;
  readonly entries: Map<string, FibEntry>;
  /** held by ip_table_add_del */
  apiLock: boolean;
  /** interfaces bound with sw_interface_set_table */
  boundInterfaces: number;
}

export interface InterfaceAddress {
  swIfIndex: number;
  prefix: IpPrefix;
}

/** The path an entry uses: its best source's. */
export function bestPaths(e: FibEntry): { source: FibSource; paths: FibPath[] } {
  for (const source of FIB_SOURCES) {
    const paths = e.sources.get(source);
    if (paths) return { source, paths };
  }
  throw new Error('a FIB entry without sources');
}

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
  /** the interface-sourced entries each interface holds: key → table */
  private readonly interfaceRoutes = new Map<number, Map<string, { table: FibTable; prefix: IpPrefix }>>();

  constructor(private readonly interfaces: InterfaceTable) {
    this.createTable(false, 0, '');
    this.createTable(true, 0, '');
  }

  table(isIp6: boolean, tableId: number): FibTable | undefined {
    return this.tables.get(`${isIp6 ? 6 : 4}:${tableId}`);
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
   * ip_table_add_del without is_add: drops the API's lock and routes; the table
   * goes once no interface is bound to it. Unknown tables and table 0 are ignored.
   */
  deleteTable(isIp6: boolean, tableId: number): number {
    const t = this.table(isIp6, tableId);
    if (tableId === 0 || !t) return RV.OK;
    t.apiLock = false;
    for (const e of [...t.entries.values()]) this.removeSource(t, e.prefix, 'api');
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
    if (previous.tableId !== 0) {
      previous.boundInterfaces--;
      this.releaseIfUnused(previous);
    }
    if (target.tableId !== 0) target.boundInterfaces++;
    const b = this.bindings.get(swIfIndex) ?? [0, 0];
    b[isIp6 ? 1 : 0] = tableId;
    this.bindings.set(swIfIndex, b);
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
    this.refreshInterfaceRoutes(swIfIndex);
    return RV.OK;
  }

  delAddress(swIfIndex: number, prefix: IpPrefix): number {
    const list = this.addresses.get(swIfIndex) ?? [];
    const at = list.findIndex((a) => a.prefix.len === prefix.len && a.prefix.addr.equals(prefix.addr));
    if (at < 0) return RV.ADDRESS_NOT_FOUND_FOR_INTERFACE;
    list.splice(at, 1);
    if (list.length === 0) this.addresses.delete(swIfIndex);
    this.refreshInterfaceRoutes(swIfIndex);
    return RV.OK;
  }

  delAllAddresses(swIfIndex: number): void {
    this.addresses.delete(swIfIndex);
    this.refreshInterfaceRoutes(swIfIndex);
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
      apiLock: false,
      boundInterfaces: 0,
    };
    this.tables.set(`${isIp6 ? 6 : 4}:${tableId}`, t);
    for (const [text, source, paths] of DEFAULT_ENTRIES[isIp6 ? '6' : '4'])
      this.setSource(t, parsePrefix(text), source, paths(isIp6));
    return t;
  }

  private releaseIfUnused(t: FibTable): void {
    if (t.tableId === 0 || t.apiLock || t.boundInterfaces > 0) return;
    for (const e of t.entries.values()) this.freeStats.push(e.statsIndex);
    t.entries.clear();
    this.tables.delete(`${t.isIp6 ? 6 : 4}:${t.tableId}`);
  }

  private setSource(t: FibTable, prefix: IpPrefix, source: FibSource, paths: FibPath[]): FibEntry {
    const key = prefixKey(prefix);
    let e = t.entries.get(key);
    if (!e) {
      const statsIndex = this.freeStats.pop() ?? this.nextStatsIndex++;
      e = { prefix, statsIndex, sources: new Map() };
      t.entries.set(key, e);
    }
    e.sources.set(source, paths);
    return e;
  }

  private removeSource(t: FibTable, prefix: IpPrefix, source: FibSource): void {
    const key = prefixKey(prefix);
    const e = t.entries.get(key);
    if (!e?.sources.delete(source) || e.sources.size > 0) return;
    t.entries.delete(key);
    this.freeStats.push(e.statsIndex);
  }

  /** Make the interface-sourced entries of an interface match its addresses and admin state. */
  private refreshInterfaceRoutes(swIfIndex: number): void {
    const wanted = new Map<string, { table: FibTable; prefix: IpPrefix; paths: FibPath[] }>();
    if (this.interfaces.get(swIfIndex)?.adminUp)
      for (const a of this.addresses.get(swIfIndex) ?? []) {
        const table = this.table(a.prefix.isIp6, this.tableIdOf(swIfIndex, a.prefix.isIp6))!;
        for (const [prefix, paths] of addressRoutes(a))
          wanted.set(`${table.isIp6}:${table.tableId}:${prefixKey(prefix)}`, { table, prefix, paths });
      }
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

/**
 * The routes one interface address makes, in the order VPP allocates their
 * stats indexes: the local host route, the connected (glean) prefix, then
 * drops for the network and broadcast addresses of IPv4 prefixes up to /30;
 * a /31 makes the other address attached instead.
 */
function addressRoutes(a: InterfaceAddress): [IpPrefix, FibPath[]][] {
  const { prefix, swIfIndex } = a;
  const proto = prefix.isIp6 ? NH_PROTO.IP6 : NH_PROTO.IP4;
  const host = hostRoute(prefix);
  const out: [IpPrefix, FibPath[]][] = [
    [host, [makePath({ type: PATH_TYPE.LOCAL, proto, swIfIndex, nh: addressText(host) })]],
  ];
  const max = maxLength(prefix);
  if (prefix.isIp6) {
    if (prefix.len < max) out.push([prefix, [makePath({ type: PATH_TYPE.NORMAL, proto, swIfIndex })]]);
    return out;
  }
  if (prefix.len <= 30) {
    out.push([prefix, [makePath({ type: PATH_TYPE.NORMAL, proto, swIfIndex })]]);
    for (const edge of [withHostBits(prefix, 0), withHostBits(prefix, 1)])
      if (!edge.addr.equals(prefix.addr)) out.push([hostRoute(edge), drop(false)]);
  } else if (prefix.len === 31) {
    const other = Buffer.from(prefix.addr);
    other[3]! ^= 1;
    const peer: IpPrefix = { isIp6: false, addr: other, len: 32 };
    out.push([peer, [makePath({ type: PATH_TYPE.NORMAL, proto, swIfIndex, nh: addressText(peer) })]]);
  }
  return out;
}
