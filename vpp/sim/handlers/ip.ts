/** The ip module's requests (vnet/ip/ip_api.c, vnet/fib/fib_api.c). */
import type { Value } from '../../codec/types.ts';
import { NONE, RV } from '../retval.ts';
import type { SimState } from '../state/index.ts';
import { makePath, NH_PROTO, PATH_TYPE, type FibEntry, type FibPath, type FibTable } from '../state/ip.ts';
import { parsePrefix, prefixText } from '../state/prefix.ts';
import { bool, text, u32, type HandlerContext, type HandlerSet } from './types.ts';

/** vl_api_fib_path_nh_proto_t values VPP accepts (ip4 … bier) */
const MAX_NH_PROTO = 4;
const PATH_TYPE_SOURCE_LOOKUP = 7;
/** fib_path_flags VPP reports back: resolve via attached, via host */
const KEPT_PATH_FLAGS = [1, 2];
/** FIB sources by number, as ip_route_v2 carries them (fib_source.h) */
const SOURCE_IDS: Record<string, number> = {
  special: 1,
  interface: 4,
  api: 8,
  adjacency: 15,
  'recursive-resolution': 18,
  'default-route': 20,
};

const isZeroAddress = (s: string): boolean => s === '' || s === '0.0.0.0' || s === '::';

/** fib_api_path_decode: an API path, or the retval that refuses it. */
function pathFromApi(v: Value, state: SimState): FibPath | number {
  const proto = u32(v.proto);
  if (proto > MAX_NH_PROTO) return RV.UNSPECIFIED;
  const type = u32(v.type);
  if (type === PATH_TYPE.CLASSIFY) return RV.NO_SUCH_TABLE; // the simulator has no classify tables
  const swIfIndex = u32(v.sw_if_index);
  const isIp = proto === NH_PROTO.IP4 || proto === NH_PROTO.IP6;
  const nhUnion = (v.nh ?? {}) as Value;
  const arms = (nhUnion.address ?? {}) as Value;
  const nh = proto === NH_PROTO.IP4 ? text(arms.ip4) : proto === NH_PROTO.IP6 ? text(arms.ip6) : '';
  if (isIp && (type === PATH_TYPE.NORMAL || type === PATH_TYPE_SOURCE_LOOKUP)) {
    if (swIfIndex === NONE) {
      if (!state.ip.table(proto === NH_PROTO.IP6, u32(v.table_id))) return RV.NO_SUCH_FIB;
    } else if (!state.interfaces.has(swIfIndex)) return RV.NO_MATCHING_INTERFACE;
  }
  const stack = Array.isArray(v.label_stack) ? (v.label_stack as Value[]) : [];
  return makePath({
    type,
    proto,
    swIfIndex,
    nh: isZeroAddress(nh) ? '' : nh,
    tableId: swIfIndex === NONE ? u32(v.table_id) : 0,
    weight: u32(v.weight) || 1,
    preference: u32(v.preference),
    flags: (Array.isArray(v.flags) ? (v.flags as number[]) : []).filter((f) => KEPT_PATH_FLAGS.includes(f)),
    viaLabel: u32(nhUnion.via_label),
    objId: u32(nhUnion.obj_id),
    labels: stack.slice(0, u32(v.n_labels)).map((l) => ({ label: u32(l.label), ttl: u32(l.ttl), exp: u32(l.exp) })),
  });
}

/** fib_api_path_encode */
export function pathToApi(p: FibPath): Value {
  const arm = p.proto === NH_PROTO.IP6 ? 'ip6' : 'ip4';
  return {
    sw_if_index: p.swIfIndex,
    table_id: p.tableId,
    weight: p.weight,
    preference: p.preference,
    type: p.type,
    flags: p.flags,
    proto: p.proto,
    nh: { address: p.nh ? { [arm]: p.nh } : {}, via_label: p.viaLabel, obj_id: p.objId },
    n_labels: p.labels.length,
    label_stack: p.labels,
  };
}

function routeToApi(state: SimState, t: FibTable, e: FibEntry, withSource: boolean): Value {
  const { source, paths } = state.ip.forwarding(t, e);
  const route: Value = {
    table_id: t.tableId,
    stats_index: e.statsIndex,
    prefix: prefixText(e.prefix),
    paths: paths.map(pathToApi),
  };
  if (withSource) route.src = SOURCE_IDS[source];
  return { route };
}

/** ip_route_add_del(_v2): the reply's retval and stats index (~0 unless added). */
function addDelRoute(req: Value, { state }: HandlerContext): Value {
  const route = (req.route ?? {}) as Value;
  const prefix = parsePrefix(text(route.prefix));
  const table = state.ip.table(prefix.isIp6, u32(route.table_id));
  if (!table) return { retval: RV.NO_SUCH_FIB, stats_index: NONE };
  const paths: FibPath[] = [];
  for (const v of Array.isArray(route.paths) ? (route.paths as Value[]) : []) {
    const p = pathFromApi(v, state);
    if (typeof p === 'number') return { retval: p, stats_index: NONE };
    paths.push(p);
  }
  const isAdd = bool(req.is_add);
  const multipath = bool(req.is_multipath);
  if (paths.length === 0 && (isAdd || multipath)) return { retval: RV.NO_PATHS_IN_ROUTE, stats_index: NONE };
  if (!isAdd) {
    state.ip.deleteRoute(table, prefix, paths, multipath);
    return { retval: RV.OK, stats_index: NONE };
  }
  return { retval: RV.OK, stats_index: state.ip.addRoute(table, prefix, paths, multipath) };
}

function addDelTable(req: Value, { state }: HandlerContext): Value {
  const t = (req.table ?? {}) as Value;
  const isIp6 = bool(t.is_ip6);
  const id = u32(t.table_id);
  const retval = bool(req.is_add) ? state.ip.addTable(isIp6, id, text(t.name)) : state.ip.deleteTable(isIp6, id);
  return { retval };
}

function routeDump(withSource: boolean) {
  return function* (req: Value, { state }: HandlerContext): Iterable<Value> {
    const t = (req.table ?? {}) as Value;
    const table = state.ip.table(bool(t.is_ip6), u32(t.table_id));
    if (!table) return;
    const src = withSource ? u32(req.src) : 0;
    for (const e of state.ip.routes(table)) {
      if (src && ![...e.sources.keys()].some((s) => SOURCE_IDS[s] === src)) continue;
      yield routeToApi(state, table, e, withSource);
    }
  };
}

export const ipHandlers: HandlerSet = {
  unary: {
    ip_table_add_del: addDelTable,
    ip_table_add_del_v2: addDelTable,
    ip_route_add_del: addDelRoute,
    ip_route_add_del_v2: addDelRoute,
  },
  dump: {
    *ip_address_dump(req, { state }) {
      for (const a of state.ip.addressesOf(u32(req.sw_if_index), bool(req.is_ipv6)))
        yield { sw_if_index: a.swIfIndex, prefix: prefixText(a.prefix) };
    },
    *ip_table_dump(_req, { state }) {
      for (const t of state.ip.allTables()) yield { table: { table_id: t.tableId, is_ip6: t.isIp6, name: t.name } };
    },
    ip_route_dump: routeDump(false),
    ip_route_v2_dump: routeDump(true),
  },
};
