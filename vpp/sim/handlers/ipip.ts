/** IP-in-IP tunnels (vnet/ipip/ipip_api.c). */
import type { Value } from '../../codec/types.ts';
import { NONE } from '../retval.ts';
import type { IpipTunnel } from '../state/tunnels.ts';
import { addressText } from '../state/prefix.ts';
import { text, u32, type HandlerSet } from './types.ts';

/** a bit-set enum as the codec carries it (a list of its bits) and as VPP keeps it */
const bitsToMask = (v: unknown): number => (Array.isArray(v) ? v.reduce((m: number, b) => m | u32(b), 0) : 0);
const maskToBits = (mask: number): number[] =>
  Array.from({ length: 8 }, (_, i) => 1 << i).filter((bit) => (mask & bit) !== 0);

function tunnelDetails(t: IpipTunnel): Value {
  return {
    tunnel: {
      instance: t.instance,
      src: addressText(t.src),
      dst: addressText(t.dst),
      sw_if_index: t.swIfIndex,
      table_id: t.table.tableId,
      flags: maskToBits(t.flags),
      mode: t.mode,
      dscp: t.dscp,
    },
  };
}

export const ipipHandlers: HandlerSet = {
  unary: {
    ipip_add_tunnel(req, { state }) {
      const t = (req.tunnel ?? {}) as Value;
      const { retval, swIfIndex } = state.ipip.add({
        instance: u32(t.instance),
        src: text(t.src),
        dst: text(t.dst),
        tableId: u32(t.table_id),
        flags: bitsToMask(t.flags),
        mode: u32(t.mode),
        dscp: u32(t.dscp),
      });
      return { retval, sw_if_index: swIfIndex };
    },

    ipip_del_tunnel(req, { state }) {
      return { retval: state.ipip.delete(u32(req.sw_if_index)) };
    },
  },
  dump: {
    /** every tunnel for ~0, else the tunnel of that interface */
    *ipip_tunnel_dump(req, { state }) {
      const sw = u32(req.sw_if_index);
      if (sw !== NONE) {
        const t = state.ipip.of(sw);
        if (t) yield tunnelDetails(t);
        return;
      }
      for (const t of state.ipip.all()) yield tunnelDetails(t);
    },
  },
};
