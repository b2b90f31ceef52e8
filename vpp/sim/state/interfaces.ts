/**
 * VPP's software interfaces as far as the simulator models them: local0 at
 * index 0, loopbacks and tunnels. The rules are VPP's (vnet/interface.c,
 * vnet/ethernet/interface.c): sw_if_index values come from a pool (the index
 * freed last is reused first), a loopback takes the lowest free instance and is
 * named `loop<instance>`, its default MAC is de:ad:00:00:00:<instance>, the
 * link of a loopback or a tunnel follows its admin state, and local0 stays.
 */
import { NONE, RV } from '../retval.ts';
import { IndexPool } from './pool.ts';

/** what made the interface: it decides which requests may delete it */
export type InterfaceKind = 'local' | 'loopback' | 'ipip';

export interface SimInterface {
  readonly swIfIndex: number;
  readonly name: string;
  readonly kind: InterfaceKind;
  /** VPP's device class name: `local`, `Loopback`, `IPIP tunnel device` */
  readonly devType: string;
  /** loopback instance; undefined for local0 */
  readonly instance: number | undefined;
  /** undefined for interfaces that are not ethernet (local0, tunnels) */
  mac: string | undefined;
  adminUp: boolean;
  linkUp: boolean;
  /** L3, IP4, IP6, MPLS */
  mtu: [number, number, number, number];
  /** the hardware's largest packet */
  linkMtu: number;
  tag: string;
}

/** What vpe-link-state-process batches per interface (interface_api.c). */
export const IF_EVENT = {
  LINK_UP: 1 << 1,
  LINK_DOWN: 1 << 2,
  ADMIN_UP: 1 << 3,
  ADMIN_DOWN: 1 << 4,
  ADD: 1 << 5,
  DEL: 1 << 6,
} as const;

export interface InterfaceObserver {
  /** an interface event for subscribers (bits of IF_EVENT) */
  event(swIfIndex: number, bits: number): void;
  /** admin state changed, and the link with it */
  adminChanged(swIfIndex: number, up: boolean): void;
  /** the interface is about to go away */
  deleting(swIfIndex: number): void;
}

const LOOPBACK_MAX_INSTANCE = 16 * 1024;
const LOOPBACK_MTU = 9000;
const ZERO_MAC = '00:00:00:00:00:00';

function loopbackMac(instance: number): string {
  const b = [0xde, 0xad, (instance >>> 24) & 0xff, (instance >>> 16) & 0xff, (instance >>> 8) & 0xff, instance & 0xff];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** What a tunnel's interface looks like; the tunnel module names it. */
export interface TunnelInterfaceSpec {
  name: string;
  kind: Exclude<InterfaceKind, 'local' | 'loopback'>;
  devType: string;
  /** VPP's max frame size less the encapsulation */
  linkMtu: number;
  /** the L3 MTU VPP gives it */
  mtu: number;
}

export class InterfaceTable {
  /** by sw_if_index */
  private readonly pool = new IndexPool<SimInterface>();
  private readonly instances = new Set<number>();
  /** no instance below this one is free */
  private lowestFree = 0;
  private readonly byName = new Map<string, SimInterface>();
  /** moves on every interface added or deleted (the stats segment follows it) */
  changes = 0;

  constructor(private readonly observer: InterfaceObserver) {
    this.pool.add((swIfIndex) => ({
      swIfIndex,
      name: 'local0',
      kind: 'local',
      devType: 'local',
      instance: undefined,
      mac: undefined,
      adminUp: false,
      linkUp: false,
      mtu: [0, 0, 0, 0],
      linkMtu: 0,
      tag: '',
    }));
    this.added(this.pool.get(0)!);
  }

  get(swIfIndex: number): SimInterface | undefined {
    return this.pool.get(swIfIndex);
  }

  has(swIfIndex: number): boolean {
    return this.pool.has(swIfIndex);
  }

  named(name: string): SimInterface | undefined {
    return this.byName.get(name);
  }

  get size(): number {
    return this.byName.size;
  }

  /** Every interface, by sw_if_index. */
  all(): IterableIterator<SimInterface> {
    return this.pool.values();
  }

  /** create_loopback(_instance); `mac` empty or all zero: VPP's default MAC. */
  createLoopback(mac: string | undefined, instance?: number): { retval: number; swIfIndex: number } {
    const inst = this.allocInstance(instance);
    if (inst === undefined) return { retval: RV.INVALID_REGISTRATION, swIfIndex: NONE };
    const i = this.pool.add((swIfIndex) => ({
      swIfIndex,
      name: `loop${inst}`,
      kind: 'loopback',
      devType: 'Loopback',
      instance: inst,
      mac: mac && mac !== ZERO_MAC ? mac : loopbackMac(inst),
      adminUp: false,
      linkUp: false,
      mtu: [LOOPBACK_MTU, 0, 0, 0],
      linkMtu: LOOPBACK_MTU,
      tag: '',
    }));
    this.added(i);
    return { retval: RV.OK, swIfIndex: i.swIfIndex };
  }

  /** delete_loopback: anything but an existing loopback is an invalid index. */
  deleteLoopback(swIfIndex: number): number {
    const i = this.pool.get(swIfIndex);
    if (i?.kind !== 'loopback') return RV.INVALID_SW_IF_INDEX;
    this.delete(i);
    this.instances.delete(i.instance!);
    this.lowestFree = Math.min(this.lowestFree, i.instance!);
    return RV.OK;
  }

  /** The interface of a new tunnel: no MAC, down, from the same pool of indexes. */
  createTunnel(spec: TunnelInterfaceSpec): SimInterface {
    const i = this.pool.add((swIfIndex) => ({
      swIfIndex,
      name: spec.name,
      kind: spec.kind,
      devType: spec.devType,
      instance: undefined,
      mac: undefined,
      adminUp: false,
      linkUp: false,
      mtu: [spec.mtu, 0, 0, 0],
      linkMtu: spec.linkMtu,
      tag: '',
    }));
    this.added(i);
    return i;
  }

  /** A tunnel's interface goes with its tunnel; the tunnel module checks the kind. */
  deleteTunnel(swIfIndex: number): void {
    const i = this.pool.get(swIfIndex);
    if (i && i.kind !== 'local' && i.kind !== 'loopback') this.delete(i);
  }

  /** sw_interface_set_flags: only a change of state makes events. */
  setAdminUp(swIfIndex: number, up: boolean): number {
    const i = this.pool.get(swIfIndex);
    if (!i) return RV.INVALID_SW_IF_INDEX;
    if (i.adminUp === up) return RV.OK;
    i.adminUp = up;
    this.observer.event(swIfIndex, up ? IF_EVENT.ADMIN_UP : IF_EVENT.ADMIN_DOWN);
    // the link of a loopback or a tunnel follows its admin state; local0's stays down
    if (i.kind !== 'local' && i.linkUp !== up) {
      i.linkUp = up;
      this.observer.event(swIfIndex, up ? IF_EVENT.LINK_UP : IF_EVENT.LINK_DOWN);
    }
    this.observer.adminChanged(swIfIndex, up);
    return RV.OK;
  }

  setMtu(swIfIndex: number, mtu: readonly number[]): number {
    const i = this.pool.get(swIfIndex);
    if (!i) return RV.INVALID_SW_IF_INDEX;
    i.mtu = [mtu[0] ?? 0, mtu[1] ?? 0, mtu[2] ?? 0, mtu[3] ?? 0];
    return RV.OK;
  }

  /** Non-ethernet interfaces (local0, tunnels) cannot change MAC: VPP answers UNIMPLEMENTED. */
  setMac(swIfIndex: number, mac: string): number {
    const i = this.pool.get(swIfIndex);
    if (!i) return RV.INVALID_SW_IF_INDEX;
    if (i.mac === undefined) return RV.UNIMPLEMENTED;
    i.mac = mac || ZERO_MAC;
    return RV.OK;
  }

  setTag(swIfIndex: number, tag: string): number {
    const i = this.pool.get(swIfIndex);
    if (!i) return RV.INVALID_SW_IF_INDEX;
    i.tag = tag;
    return RV.OK;
  }

  /** The lowest free instance, or the wanted one if free; undefined if none. */
  private allocInstance(wanted: number | undefined): number | undefined {
    if (wanted !== undefined) {
      if (wanted >= LOOPBACK_MAX_INSTANCE || this.instances.has(wanted)) return undefined;
      this.instances.add(wanted);
      return wanted;
    }
    let i = this.lowestFree;
    while (this.instances.has(i)) i++;
    if (i >= LOOPBACK_MAX_INSTANCE) return undefined;
    this.instances.add(i);
    this.lowestFree = i + 1;
    return i;
  }

  private added(i: SimInterface): void {
    this.byName.set(i.name, i);
    this.changes++;
    if (i.kind !== 'local') this.observer.event(i.swIfIndex, IF_EVENT.ADD);
  }

  /** VPP takes an interface down before it deletes it; then every module lets go of it. */
  private delete(i: SimInterface): void {
    this.setAdminUp(i.swIfIndex, false);
    this.observer.deleting(i.swIfIndex);
    this.pool.delete(i.swIfIndex);
    this.byName.delete(i.name);
    this.changes++;
    this.observer.event(i.swIfIndex, IF_EVENT.DEL);
  }
}
