/** Static and dynamic IP neighbours (vnet/ip-neighbor/ip_neighbor_api.c). */
import type { Value } from '../../codec/types.ts';
import { NONE, RV } from '../retval.ts';
import type { SimNeighbor } from '../state/neighbors.ts';
import { addressText, parsePrefix } from '../state/prefix.ts';
import { bool, text, u32, type HandlerSet } from './types.ts';

/** vl_api_ip_neighbor_flags_t */
const FLAG = { STATIC: 1, NO_FIB_ENTRY: 2 } as const;
/** vl_api_address_family_t */
const AF = { IP4: 0, IP6: 1 } as const;

const hostPrefix = (address: string) => parsePrefix(`${address}/${address.includes(':') ? 128 : 32}`);

function neighborDetails(n: SimNeighbor, now: number): Value {
  const flags = [...(n.isStatic ? [FLAG.STATIC] : []), ...(n.noFibEntry ? [FLAG.NO_FIB_ENTRY] : [])];
  return {
    age: (now - n.updatedAt) / 1000,
    neighbor: { sw_if_index: n.swIfIndex, flags, mac_address: n.mac, ip_address: addressText(n.address) },
  };
}

export const neighborHandlers: HandlerSet = {
  unary: {
    /** the reply's stats_index is the neighbour's adjacency, ~0 on delete, on error or without one */
    ip_neighbor_add_del(req, { state }) {
      const n = (req.neighbor ?? {}) as Value;
      const sw = u32(n.sw_if_index);
      const address = hostPrefix(text(n.ip_address));
      if (!bool(req.is_add)) return { retval: state.neighbors.delete(sw, address), stats_index: NONE };
      const flags = Array.isArray(n.flags) ? n.flags.map(u32) : [];
      const { retval, adjacency } = state.neighbors.add(sw, address, text(n.mac_address), {
        isStatic: flags.includes(FLAG.STATIC),
        noFibEntry: flags.includes(FLAG.NO_FIB_ENTRY),
      });
      return { retval, stats_index: retval === RV.OK ? adjacency : NONE };
    },
  },
  dump: {
    /** one family (another af sends nothing), every interface for ~0 or one */
    *ip_neighbor_dump(req, { state }) {
      const af = u32(req.af);
      if (af !== AF.IP4 && af !== AF.IP6) return;
      const now = Date.now();
      for (const n of state.neighbors.list(af === AF.IP6, u32(req.sw_if_index))) yield neighborDetails(n, now);
    },
  },
};
