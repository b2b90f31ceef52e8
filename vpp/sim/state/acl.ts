/**
 * The ACL plugin's lists and where they are applied (plugins/acl/acl.c): ACLs
 * live in a pool (a deleted index is the next one handed out), each interface
 * has an input and an output list, an ACL applied anywhere cannot be deleted,
 * and a deleted interface loses its lists.
 */
import { RV } from '../retval.ts';
import type { InterfaceTable } from './interfaces.ts';
import { IndexPool } from './pool.ts';
import { parsePrefix, withHostBits, type IpPrefix } from './prefix.ts';

/** vl_api_acl_rule_t as VPP keeps it */
export interface AclRule {
  /** vl_api_acl_action_t: deny, permit, permit+reflect */
  isPermit: number;
  src: IpPrefix;
  dst: IpPrefix;
  proto: number;
  srcPortFirst: number;
  srcPortLast: number;
  dstPortFirst: number;
  dstPortLast: number;
  tcpFlagsMask: number;
  tcpFlagsValue: number;
}

/** A rule as the API carries it, prefixes as text. */
export type AclRuleText = Omit<AclRule, 'src' | 'dst'> & { src: string; dst: string };

export interface Acl {
  readonly index: number;
  tag: string;
  rules: AclRule[];
}

/** the tag field's size: a tag must leave room for its NUL */
const TAG_SIZE = 64;

type Direction = 'input' | 'output';

/** vl_api_acl_interface_set_acl_list's answer when a list fails after the first: `rv || …` in C */
const LATER_LIST_FAILED = 1;

export class AclTable {
  private readonly pool = new IndexPool<Acl>();
  /** the lists applied to each interface, in order */
  private readonly applied = new Map<number, Record<Direction, number[]>>();

  constructor(private readonly interfaces: InterfaceTable) {}

  get(index: number): Acl | undefined {
    return this.pool.get(index);
  }

  /** Every ACL, by index. */
  all(): IterableIterator<Acl> {
    return this.pool.values();
  }

  /**
   * acl_add_replace: ~0 makes a new ACL and answers its index; an existing
   * index gets the new rules and tag; the reply carries the index asked for
   * when the request fails.
   */
  addReplace(index: number, tag: string, rules: AclRuleText[]): { retval: number; index: number } {
    if (Buffer.byteLength(tag) >= TAG_SIZE) return { retval: RV.INVALID_VALUE, index };
    const parsed: AclRule[] = [];
    for (const r of rules) {
      const rule = parseRule(r);
      if (typeof rule === 'number') return { retval: rule, index };
      parsed.push(rule);
    }
    if (index !== NEW && !this.pool.has(index)) return { retval: RV.NO_SUCH_ENTRY, index };
    const acl = index === NEW ? this.pool.add((i) => ({ index: i, tag: '', rules: [] })) : this.pool.get(index)!;
    acl.tag = tag;
    acl.rules = parsed;
    return { retval: RV.OK, index: acl.index };
  }

  /** acl_del: an unknown ACL, or one applied to an interface, stays. */
  delete(index: number): number {
    if (!this.pool.has(index)) return RV.NO_SUCH_ENTRY;
    if (this.usedBy(index, 'input')) return RV.ACL_IN_USE_INBOUND;
    if (this.usedBy(index, 'output')) return RV.ACL_IN_USE_OUTBOUND;
    this.pool.delete(index);
    return RV.OK;
  }

  /** The lists applied to an interface (empty ones for an interface without). */
  listsOf(swIfIndex: number): Record<Direction, readonly number[]> {
    return this.applied.get(swIfIndex) ?? { input: [], output: [] };
  }

  /**
   * acl_interface_set_acl_list: the first `nInput` ACLs are the input list,
   * the rest the output list. Every ACL must exist; a list naming an ACL twice
   * fails. VPP sets the output list first and answers 1 when either list fails
   * (its `rv || …`): the output list may be set when the input list fails.
   */
  setLists(swIfIndex: number, acls: readonly number[], nInput: number): number {
    if (!this.interfaces.has(swIfIndex)) return RV.INVALID_SW_IF_INDEX;
    if (acls.some((a) => !this.pool.has(a))) return RV.NO_SUCH_ENTRY;
    const output = this.setList(swIfIndex, 'output', acls.slice(nInput));
    if (output !== RV.OK) return LATER_LIST_FAILED;
    return this.setList(swIfIndex, 'input', acls.slice(0, nInput)) === RV.OK ? RV.OK : LATER_LIST_FAILED;
  }

  /** acl_interface_add_del: one ACL added at the end of a list, or taken out of it. */
  addDel(swIfIndex: number, isAdd: boolean, isInput: boolean, acl: number): number {
    if (!this.interfaces.has(swIfIndex)) return RV.INVALID_SW_IF_INDEX;
    const direction: Direction = isInput ? 'input' : 'output';
    const list = this.listsOf(swIfIndex)[direction];
    if (isAdd) {
      if (list.includes(acl)) return isInput ? RV.ACL_IN_USE_INBOUND : RV.ACL_IN_USE_OUTBOUND;
      return this.setList(swIfIndex, direction, [...list, acl]);
    }
    if (!list.includes(acl)) return RV.NO_SUCH_ENTRY;
    return this.setList(
      swIfIndex,
      direction,
      list.filter((a) => a !== acl),
    );
  }

  /** The plugin's interface-delete hook: the lists go with the interface. */
  interfaceDeleted(swIfIndex: number): void {
    this.applied.delete(swIfIndex);
  }

  /** acl_interface_set_inout_acl_list */
  private setList(swIfIndex: number, direction: Direction, acls: number[]): number {
    if (acls.some((a) => !this.pool.has(a))) return RV.NO_SUCH_ENTRY;
    if (new Set(acls).size !== acls.length) return RV.ENTRY_ALREADY_EXISTS;
    const lists = { ...this.listsOf(swIfIndex), [direction]: acls } as Record<Direction, number[]>;
    if (lists.input.length === 0 && lists.output.length === 0) this.applied.delete(swIfIndex);
    else this.applied.set(swIfIndex, lists);
    return RV.OK;
  }

  private usedBy(acl: number, direction: Direction): boolean {
    for (const lists of this.applied.values()) if (lists[direction].includes(acl)) return true;
    return false;
  }
}

/** acl_index ~0: a new ACL */
export const NEW = 0xffffffff;

/** acl_add_list's checks: prefixes without host bits, of one family; port ranges in order. */
function parseRule(r: AclRuleText): AclRule | number {
  const src = validPrefix(r.src);
  if (!src) return RV.INVALID_SRC_ADDRESS;
  const dst = validPrefix(r.dst);
  if (!dst) return RV.INVALID_DST_ADDRESS;
  if (src.isIp6 !== dst.isIp6) return RV.INVALID_SRC_ADDRESS;
  if (r.srcPortFirst > r.srcPortLast || r.dstPortFirst > r.dstPortLast) return RV.INVALID_VALUE_2;
  return { ...r, src, dst };
}

/** ip_prefix_decode2: a prefix whose address has no bits past its length. */
function validPrefix(text: string): IpPrefix | undefined {
  let p: IpPrefix;
  try {
    p = parsePrefix(text);
  } catch {
    return undefined;
  }
  return withHostBits(p, 0).addr.equals(p.addr) ? p : undefined;
}
