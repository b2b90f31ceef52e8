/** The interface module's requests (vnet/interface_api.c). */
import type { Value } from '../../codec/types.ts';
import { NONE, RV } from '../retval.ts';
import type { SimInterface } from '../state/interfaces.ts';
import { parsePrefix } from '../state/prefix.ts';
import { bool, text, u32, type HandlerContext, type HandlerSet } from './types.ts';

/** if_status_flags */
const ADMIN_UP = 1;
const LINK_UP = 2;

export function interfaceDetails(i: SimInterface): Value {
  const flags: number[] = [];
  if (i.adminUp) flags.push(ADMIN_UP);
  if (i.linkUp) flags.push(LINK_UP);
  // type 0 (hardware), duplex and speed unknown, no sub-interface or tag rewrite: all zero
  return {
    sw_if_index: i.swIfIndex,
    sup_sw_if_index: i.swIfIndex,
    l2_address: i.mac ?? '',
    flags,
    link_mtu: i.linkMtu,
    mtu: i.mtu,
    interface_name: i.name,
    interface_dev_type: i.devType,
    tag: i.tag,
  };
}

const reply = (retval: number, rest?: Value): Value => ({ retval, ...rest });

/** VALIDATE_SW_IF_INDEX: the request fails with -2 unless the interface exists. */
function withInterface(req: Value, ctx: HandlerContext, then: (sw: number) => number | Value): Value {
  const sw = u32(req.sw_if_index);
  if (!ctx.state.interfaces.has(sw)) return reply(RV.INVALID_SW_IF_INDEX);
  const out = then(sw);
  return typeof out === 'number' ? reply(out) : out;
}

function* sw_interface_dump(req: Value, { state }: HandlerContext): Iterable<Value> {
  const sw = u32(req.sw_if_index);
  const filterValid = bool(req.name_filter_valid);
  // VPP reads sw_if_index 0 as "all", like ~0
  if (!filterValid && sw !== NONE && sw !== 0) {
    const i = state.interfaces.get(sw);
    if (i) yield interfaceDetails(i);
    return;
  }
  const filter = filterValid ? text(req.name_filter).toLowerCase() : '';
  for (const i of state.interfaces.all())
    if (!filter || i.name.toLowerCase().includes(filter)) yield interfaceDetails(i);
}

/** Entries per page of a cursor stream: VPP stops when its API queue fills; here a fixed page. */
export const CURSOR_PAGE = 256;

/**
 * sw_interface_tx_placement_get: one entry per tx queue (a loopback has one,
 * on the main thread; local0 none), a page at a time from the cursor.
 */
function sw_interface_tx_placement_get(req: Value, { state }: HandlerContext): { entries: Value[]; reply: Value } {
  const sw = u32(req.sw_if_index);
  if (sw !== NONE && !state.interfaces.has(sw))
    return { entries: [], reply: reply(RV.INVALID_SW_IF_INDEX, { cursor: NONE }) };
  const queues = [...state.interfaces.all()].filter(
    (i) => i.devType !== 'local' && (sw === NONE || i.swIfIndex === sw),
  );
  const from = queues.findIndex((i) => i.swIfIndex >= u32(req.cursor));
  const page = from < 0 ? [] : queues.slice(from, from + CURSOR_PAGE);
  const entries = page.map((i) => ({ sw_if_index: i.swIfIndex, queue_id: 0, shared: 0, threads: [0] }));
  const next = from < 0 ? undefined : queues[from + CURSOR_PAGE];
  return { entries, reply: next ? reply(RV.EAGAIN, { cursor: next.swIfIndex }) : reply(RV.OK, { cursor: NONE }) };
}

export const interfaceHandlers: HandlerSet = {
  dump: { sw_interface_dump },
  cursor: { sw_interface_tx_placement_get },
  unary: {
    create_loopback(req, { state }) {
      const { retval, swIfIndex } = state.interfaces.createLoopback(text(req.mac_address));
      return reply(retval, { sw_if_index: swIfIndex });
    },

    create_loopback_instance(req, { state }) {
      const wanted = bool(req.is_specified) ? u32(req.user_instance) : undefined;
      const { retval, swIfIndex } = state.interfaces.createLoopback(text(req.mac_address), wanted);
      return reply(retval, { sw_if_index: swIfIndex });
    },

    delete_loopback(req, { state }) {
      return reply(state.interfaces.deleteLoopback(u32(req.sw_if_index)));
    },

    sw_interface_set_flags(req, ctx) {
      const up = Array.isArray(req.flags) && req.flags.includes(ADMIN_UP);
      return withInterface(req, ctx, (sw) => ctx.state.interfaces.setAdminUp(sw, up));
    },

    want_interface_events(req, { state, clientIndex }) {
      const enable = u32(req.enable_disable) !== 0;
      const registered = state.interfaceEventClients.has(clientIndex);
      // enabling twice, or disabling what is not enabled, is an invalid registration
      if (enable === registered) return reply(RV.INVALID_REGISTRATION);
      if (enable) state.interfaceEventClients.set(clientIndex, u32(req.pid));
      else state.interfaceEventClients.delete(clientIndex);
      return reply(RV.OK);
    },

    sw_interface_add_del_address(req, ctx) {
      return withInterface(req, ctx, (sw) => {
        const ip = ctx.state.ip;
        if (bool(req.del_all)) {
          ip.delAllAddresses(sw);
          return RV.OK;
        }
        // VPP refuses addresses on local0 with an error that carries no retval
        if (sw === 0) return RV.OK;
        const prefix = parsePrefix(text(req.prefix));
        return bool(req.is_add) ? ip.addAddress(sw, prefix) : ip.delAddress(sw, prefix);
      });
    },

    sw_interface_set_table(req, ctx) {
      return withInterface(req, ctx, (sw) => ctx.state.ip.bindTable(sw, bool(req.is_ipv6), u32(req.vrf_id)));
    },

    sw_interface_get_table(req, ctx) {
      return withInterface(req, ctx, (sw) => reply(RV.OK, { vrf_id: ctx.state.ip.tableIdOf(sw, bool(req.is_ipv6)) }));
    },

    sw_interface_set_mtu(req, ctx) {
      const mtu = Array.isArray(req.mtu) ? req.mtu.map(u32) : [];
      return withInterface(req, ctx, (sw) => ctx.state.interfaces.setMtu(sw, mtu));
    },

    sw_interface_set_mac_address(req, ctx) {
      return withInterface(req, ctx, (sw) => ctx.state.interfaces.setMac(sw, text(req.mac_address)));
    },

    sw_interface_get_mac_address(req, ctx) {
      return withInterface(req, ctx, (sw) => reply(RV.OK, { mac_address: ctx.state.interfaces.get(sw)!.mac ?? '' }));
    },

    sw_interface_tag_add_del(req, ctx) {
      return withInterface(req, ctx, (sw) => {
        const tag = bool(req.is_add) ? text(req.tag) : '';
        if (bool(req.is_add) && tag === '') return RV.INVALID_VALUE;
        return ctx.state.interfaces.setTag(sw, tag);
      });
    },
  },
};
