/** The ACL plugin's core requests (plugins/acl/acl.c): lists, and where they apply. */
import type { Value } from '../../codec/types.ts';
import { NONE } from '../retval.ts';
import type { Acl, AclRule, AclRuleText } from '../state/acl.ts';
import { prefixText } from '../state/prefix.ts';
import { bool, text, u32, type HandlerSet } from './types.ts';

function ruleFromApi(v: Value): AclRuleText {
  return {
    isPermit: u32(v.is_permit),
    src: text(v.src_prefix),
    dst: text(v.dst_prefix),
    proto: u32(v.proto),
    srcPortFirst: u32(v.srcport_or_icmptype_first),
    srcPortLast: u32(v.srcport_or_icmptype_last),
    dstPortFirst: u32(v.dstport_or_icmpcode_first),
    dstPortLast: u32(v.dstport_or_icmpcode_last),
    tcpFlagsMask: u32(v.tcp_flags_mask),
    tcpFlagsValue: u32(v.tcp_flags_value),
  };
}

function ruleToApi(r: AclRule): Value {
  return {
    is_permit: r.isPermit,
    src_prefix: prefixText(r.src),
    dst_prefix: prefixText(r.dst),
    proto: r.proto,
    srcport_or_icmptype_first: r.srcPortFirst,
    srcport_or_icmptype_last: r.srcPortLast,
    dstport_or_icmpcode_first: r.dstPortFirst,
    dstport_or_icmpcode_last: r.dstPortLast,
    tcp_flags_mask: r.tcpFlagsMask,
    tcp_flags_value: r.tcpFlagsValue,
  };
}

const aclDetails = (a: Acl): Value => ({ acl_index: a.index, tag: a.tag, r: a.rules.map(ruleToApi) });

export const aclHandlers: HandlerSet = {
  unary: {
    acl_add_replace(req, { state }) {
      const rules = Array.isArray(req.r) ? (req.r as Value[]).map(ruleFromApi) : [];
      const { retval, index } = state.acl.addReplace(u32(req.acl_index), text(req.tag), rules);
      return { acl_index: index, retval };
    },

    acl_del(req, { state }) {
      return { retval: state.acl.delete(u32(req.acl_index)) };
    },

    acl_interface_set_acl_list(req, { state }) {
      const acls = Array.isArray(req.acls) ? req.acls.map(u32) : [];
      return { retval: state.acl.setLists(u32(req.sw_if_index), acls, u32(req.n_input)) };
    },

    acl_interface_add_del(req, { state }) {
      const sw = u32(req.sw_if_index);
      return { retval: state.acl.addDel(sw, bool(req.is_add), bool(req.is_input), u32(req.acl_index)) };
    },
  },
  dump: {
    /** every ACL for ~0, else the one asked for (nothing when it does not exist) */
    *acl_dump(req, { state }) {
      const index = u32(req.acl_index);
      if (index === NONE) {
        for (const a of state.acl.all()) yield aclDetails(a);
        return;
      }
      const a = state.acl.get(index);
      if (a) yield aclDetails(a);
    },

    /** every interface for ~0 (with its lists, empty or not), else the one asked for */
    *acl_interface_list_dump(req, { state }) {
      const sw = u32(req.sw_if_index);
      const picked =
        sw === NONE ? [...state.interfaces.all()] : state.interfaces.has(sw) ? [state.interfaces.get(sw)!] : [];
      for (const i of picked) {
        const { input, output } = state.acl.listsOf(i.swIfIndex);
        yield { sw_if_index: i.swIfIndex, n_input: input.length, acls: [...input, ...output] };
      }
    },
  },
};
