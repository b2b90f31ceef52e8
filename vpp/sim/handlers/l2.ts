/** Bridge domains (vnet/l2/l2_api.c). */
import type { Value } from '../../codec/types.ts';
import { NONE, RV } from '../retval.ts';
import type { SimState } from '../state/index.ts';
import { PORT_TYPE, type BridgeDomain, type BridgeDomainFlags } from '../state/l2.ts';
import { bool, text, u32, type HandlerContext, type HandlerSet } from './types.ts';

function flagsFromApi(req: Value): BridgeDomainFlags {
  return {
    flood: bool(req.flood),
    uuFlood: bool(req.uu_flood),
    forward: bool(req.forward),
    learn: bool(req.learn),
    arpTerm: bool(req.arp_term),
    arpUfwd: bool(req.arp_ufwd),
    macAge: u32(req.mac_age),
    tag: text(req.bd_tag),
  };
}

function bridgeDomainDetails(bd: BridgeDomain, state: SimState): Value {
  return {
    bd_id: bd.bdId,
    flood: bd.flood,
    uu_flood: bd.uuFlood,
    forward: bd.forward,
    learn: bd.learn,
    arp_term: bd.arpTerm,
    arp_ufwd: bd.arpUfwd,
    mac_age: bd.macAge,
    bd_tag: bd.tag,
    bvi_sw_if_index: bd.bviSwIfIndex,
    uu_fwd_sw_if_index: bd.uuFwdSwIfIndex,
    sw_if_details: bd.members.map((sw) => ({ context: 0, sw_if_index: sw, shg: state.l2.shgOf(sw) })),
  };
}

/** bd_add_del */
function addDel(bdId: number, req: Value, { state }: HandlerContext): number {
  return bool(req.is_add) ? state.l2.add(bdId, flagsFromApi(req)) : state.l2.delete(bdId);
}

export const l2Handlers: HandlerSet = {
  unary: {
    bridge_domain_add_del(req, ctx) {
      return { retval: addDel(u32(req.bd_id), req, ctx) };
    },

    /** as bridge_domain_add_del; bd_id ~0 with is_add picks an unused id, which the reply carries */
    bridge_domain_add_del_v2(req, ctx) {
      let bdId = u32(req.bd_id);
      if (bdId === NONE && bool(req.is_add)) bdId = ctx.state.l2.unusedId();
      if (bdId === NONE && bool(req.is_add)) return { retval: RV.EAGAIN, bd_id: bdId };
      return { retval: addDel(bdId, req, ctx), bd_id: bdId };
    },

    sw_interface_set_l2_bridge(req, { state }) {
      const sw = u32(req.rx_sw_if_index);
      if (!state.interfaces.has(sw)) return { retval: RV.INVALID_SW_IF_INDEX };
      const portType = u32(req.port_type);
      if (portType > PORT_TYPE.UU_FWD) return { retval: RV.INVALID_VALUE };
      if (!bool(req.enable)) return { retval: state.l2.unbridge(sw) };
      return { retval: state.l2.bridge(sw, u32(req.bd_id), portType, u32(req.shg)) };
    },
  },
  dump: {
    /** every domain for ~0, else the one asked for; VPP sends nothing for domain 0 or an interface filter */
    *bridge_domain_dump(req, { state }) {
      if (u32(req.sw_if_index) !== NONE) return;
      const bdId = u32(req.bd_id);
      if (bdId === 0) return;
      if (bdId === NONE) {
        for (const bd of state.l2.all()) yield bridgeDomainDetails(bd, state);
        return;
      }
      const bd = state.l2.get(bdId);
      if (bd) yield bridgeDomainDetails(bd, state);
    },
  },
};
