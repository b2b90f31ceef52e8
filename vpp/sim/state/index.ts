/**
 * Everything a simulated VPP remembers between requests; a restart starts
 * from a fresh SimState.
 */
import { AclTable } from './acl.ts';
import { IF_EVENT, InterfaceTable } from './interfaces.ts';
import { IpState } from './ip.ts';
import { BridgeDomains } from './l2.ts';
import { NeighborTable } from './neighbors.ts';
import { IpipTunnels } from './tunnels.ts';

export interface SystemInfo {
  program: string;
  version: string;
  buildDate: string;
  buildDirectory: string;
  /** who and where `show version` says VPP was built */
  buildUser: string;
  buildHost: string;
  vpePid: number;
  /** when this "VPP" started (ms since the epoch) */
  startedAt: number;
}

export const DEFAULT_SYSTEM: Omit<SystemInfo, 'vpePid' | 'startedAt'> = {
  program: 'vpe',
  version: '26.06-release',
  buildDate: '2026-06-24T10:00:00',
  buildDirectory: '',
  buildUser: 'vpp-rpc',
  buildHost: 'simulator',
};

export class SimState {
  readonly interfaces: InterfaceTable;
  readonly ip: IpState;
  readonly acl: AclTable;
  readonly l2: BridgeDomains;
  readonly ipip: IpipTunnels;
  readonly neighbors: NeighborTable;
  /** want_interface_events: the pid each subscribed client gave, by client index */
  readonly interfaceEventClients = new Map<number, number>();
  /** interface events not yet sent: IF_EVENT bits by sw_if_index, batched as VPP does */
  private pending = new Map<number, number>();

  constructor(
    readonly system: SystemInfo,
    loopbacks = 0,
  ) {
    this.interfaces = new InterfaceTable({
      event: (sw, bits) => this.pending.set(sw, (this.pending.get(sw) ?? 0) | bits),
      adminChanged: (sw, up) => {
        this.ip.adminChanged(sw);
        this.neighbors.adminChanged(sw, up);
        this.ipip.refresh(sw);
      },
      // every module lets go of an interface being deleted, as their VPP delete hooks do
      deleting: (sw) => {
        this.acl.interfaceDeleted(sw);
        this.l2.interfaceDeleted(sw);
        this.neighbors.interfaceDeleted(sw);
        this.ip.interfaceDeleted(sw);
      },
    });
    this.ip = new IpState(this.interfaces);
    this.acl = new AclTable(this.interfaces);
    this.l2 = new BridgeDomains(this.interfaces);
    this.ipip = new IpipTunnels(this.interfaces, this.ip);
    this.neighbors = new NeighborTable(this.interfaces, this.ip);
    for (let i = 0; i < loopbacks; i++)
      if (this.interfaces.createLoopback(undefined).retval !== 0)
        throw new RangeError(`VPP has loopback instances 0 to 16383: ${loopbacks} loopbacks do not fit`);
    this.pending.clear();
  }

  /** The batched interface events, as sw_interface_event values; clears them. */
  takeInterfaceEvents(): { sw_if_index: number; flags: number[]; deleted: boolean }[] {
    if (this.pending.size === 0) return [];
    const out = [...this.pending].map(([sw, bits]) => ({
      sw_if_index: sw,
      flags: [...(bits & IF_EVENT.ADMIN_UP ? [1] : []), ...(bits & IF_EVENT.LINK_UP ? [2] : [])],
      deleted: (bits & IF_EVENT.DEL) !== 0,
    }));
    this.pending = new Map();
    return out;
  }

  /** VPP's reaper: a client that went away holds no registrations. */
  clientGone(clientIndex: number): void {
    this.interfaceEventClients.delete(clientIndex);
  }
}
