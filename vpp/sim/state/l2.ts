/**
 * L2 bridge domains as VPP keeps them (vnet/l2/l2_bd.c, l2_input.c):
 *
 * - bridge domain 0 always exists at index 0, never shown nor deleted; a new
 *   domain takes the lowest free index, and dumps go by index;
 * - bridging an interface into a domain that does not exist creates it, with
 *   flood, unknown-unicast flood, forward and learn on;
 * - members are kept in VPP's flood order: the BVI first, then interfaces that
 *   flood (tunnels), then those that do not (loopbacks, and any interface that
 *   was a BVI once);
 * - an interface bridged elsewhere leaves its old domain first, even when the
 *   new membership then fails;
 * - `bridge_domain_add_del_v2` with bd_id ~0 picks an unused id the way VPP
 *   does, from a generator seeded with 0 at start.
 */
import { NONE, RV } from '../retval.ts';
import type { InterfaceTable } from './interfaces.ts';

/** L2_BD_ID_MAX */
export const BD_ID_MAX = (1 << 24) - 1;

/** vl_api_l2_port_type_t */
export const PORT_TYPE = { NORMAL: 0, BVI: 1, UU_FWD: 2 } as const;

/** vnet_flood_class_t: where a member goes in the flood vector */
type FloodClass = 'bvi' | 'normal' | 'no-flood';

export interface BridgeDomainFlags {
  flood: boolean;
  uuFlood: boolean;
  forward: boolean;
  learn: boolean;
  arpTerm: boolean;
  arpUfwd: boolean;
  macAge: number;
  tag: string;
}

export interface BridgeDomain extends BridgeDomainFlags {
  readonly bdId: number;
  readonly index: number;
  bviSwIfIndex: number;
  uuFwdSwIfIndex: number;
  /** sw_if_index values in flood order */
  members: number[];
  /** how many members do not flood: they sit at the end */
  noFloodCount: number;
}

/** the domain flags a domain made by bridging an interface into it has (bd_validate) */
const IMPLICIT_FLAGS: BridgeDomainFlags = {
  flood: true,
  uuFlood: true,
  forward: true,
  learn: true,
  arpTerm: false,
  arpUfwd: false,
  macAge: 0,
  tag: '',
};

/** An interface in bridge mode: its domain (by index) and split-horizon group. */
interface BridgePort {
  bdIndex: number;
  shg: number;
}

export class BridgeDomains {
  /** by bd_index; index 0 is bridge domain 0 */
  private readonly byIndex: (BridgeDomain | undefined)[] = [];
  private readonly byId = new Map<number, BridgeDomain>();
  private readonly ports = new Map<number, BridgePort>();
  /** flood classes that differ from an interface's default */
  private readonly floodClasses = new Map<number, FloodClass>();
  /** bd_get_unused_id's static seed */
  private seed = 0;

  constructor(private readonly interfaces: InterfaceTable) {
    this.create(0, { ...IMPLICIT_FLAGS, flood: false, uuFlood: false, forward: false, learn: false });
  }

  get(bdId: number): BridgeDomain | undefined {
    return this.byId.get(bdId);
  }

  /** Every domain but 0, by index (bridge_domain_dump). */
  *all(): IterableIterator<BridgeDomain> {
    for (const bd of this.byIndex) if (bd && bd.bdId !== 0) yield bd;
  }

  /** The split-horizon group of a bridged interface. */
  shgOf(swIfIndex: number): number {
    return this.ports.get(swIfIndex)?.shg ?? 0;
  }

  /** bd_add_del with is_add */
  add(bdId: number, flags: BridgeDomainFlags): number {
    if (this.byId.has(bdId)) return RV.BD_ALREADY_EXISTS;
    if (bdId > BD_ID_MAX) return RV.BD_ID_EXCEED_MAX;
    this.create(bdId, flags);
    return RV.OK;
  }

  /** bd_add_del without is_add */
  delete(bdId: number): number {
    const bd = this.byId.get(bdId);
    if (!bd) return RV.NO_SUCH_ENTRY;
    if (bd.index === 0) return RV.BD_NOT_MODIFIABLE;
    if (bd.members.length > 0) return RV.BD_IN_USE;
    this.byIndex[bd.index] = undefined;
    this.byId.delete(bdId);
    return RV.OK;
  }

  /** bd_get_unused_id: VPP's random_u32 walk from its seed; ~0 when none is found. */
  unusedId(): number {
    for (let j = 0; j < 1 << 10; j++) {
      this.seed = (Math.imul(this.seed, 1664525) + 1013904223) >>> 0;
      for (let i = 0; i < 1 << 10; i++) {
        this.seed = ((this.seed + (2 * (i % 2) - 1) * i) >>> 0) & BD_ID_MAX;
        if (this.seed !== 0 && !this.byId.has(this.seed)) return this.seed;
      }
    }
    return NONE;
  }

  /**
   * sw_interface_set_l2_bridge with enable (set_int_l2_mode MODE_L2_BRIDGE):
   * the interface leaves any domain, then joins this one, which is made if
   * needed. A BVI where the domain has one fails with BD_ALREADY_HAS_BVI,
   * leaving the interface in no member list; an unknown-unicast port is no member.
   */
  bridge(swIfIndex: number, bdId: number, portType: number, shg: number): number {
    if (bdId > BD_ID_MAX) return RV.BD_ID_EXCEED_MAX;
    const bd = this.byId.get(bdId) ?? this.create(bdId, IMPLICIT_FLAGS);
    this.leave(swIfIndex);
    this.ports.set(swIfIndex, { bdIndex: bd.index, shg });
    if (portType === PORT_TYPE.BVI) {
      if (bd.bviSwIfIndex !== NONE) return RV.BD_ALREADY_HAS_BVI;
      bd.bviSwIfIndex = swIfIndex;
      this.floodClasses.set(swIfIndex, 'bvi');
    } else if (portType === PORT_TYPE.UU_FWD) {
      bd.uuFwdSwIfIndex = swIfIndex;
      return RV.OK;
    }
    this.addMember(bd, swIfIndex);
    return RV.OK;
  }

  /** sw_interface_set_l2_bridge without enable: back to L3 (also when not bridged). */
  unbridge(swIfIndex: number): number {
    this.leave(swIfIndex);
    return RV.OK;
  }

  /** l2_input's interface-delete hook, then a new interface at this index starts afresh. */
  interfaceDeleted(swIfIndex: number): void {
    this.leave(swIfIndex);
    this.floodClasses.delete(swIfIndex);
  }

  private create(bdId: number, flags: BridgeDomainFlags): BridgeDomain {
    let index = 0;
    while (this.byIndex[index]) index++;
    const bd: BridgeDomain = {
      ...flags,
      bdId,
      index,
      bviSwIfIndex: NONE,
      uuFwdSwIfIndex: NONE,
      members: [],
      noFloodCount: 0,
    };
    this.byIndex[index] = bd;
    this.byId.set(bdId, bd);
    return bd;
  }

  /** Undo a bridge port: out of the member list, no longer the BVI (and then it floods no more). */
  private leave(swIfIndex: number): void {
    const port = this.ports.get(swIfIndex);
    if (!port) return;
    this.ports.delete(swIfIndex);
    // a domain with no members may have been deleted under an unknown-unicast port or a failed BVI
    const bd = this.byIndex[port.bdIndex];
    if (!bd) return;
    const at = bd.members.indexOf(swIfIndex);
    if (at >= 0) {
      if (this.floodClass(swIfIndex) === 'no-flood') bd.noFloodCount--;
      bd.members.splice(at, 1);
    }
    if (bd.bviSwIfIndex === swIfIndex) {
      bd.bviSwIfIndex = NONE;
      this.floodClasses.set(swIfIndex, 'no-flood');
    }
    if (bd.uuFwdSwIfIndex === swIfIndex) bd.uuFwdSwIfIndex = NONE;
  }

  /** bd_add_member: [bvi, flooding members…, members that do not flood…] */
  private addMember(bd: BridgeDomain, swIfIndex: number): void {
    const cls = this.floodClass(swIfIndex);
    let at: number;
    if (cls === 'bvi') at = 0;
    else if (cls === 'normal') at = bd.members.length - bd.noFloodCount;
    else {
      at = bd.members.length;
      bd.noFloodCount++;
    }
    bd.members.splice(at, 0, swIfIndex);
  }

  /** Loopbacks do not flood (a BVI does); other interfaces do. */
  private floodClass(swIfIndex: number): FloodClass {
    const set = this.floodClasses.get(swIfIndex);
    if (set) return set;
    return this.interfaces.get(swIfIndex)?.kind === 'loopback' ? 'no-flood' : 'normal';
  }
}
