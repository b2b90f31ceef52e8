/**
 * What a node says of itself in the fleet (lib/fleet/registration.ts): where
 * it is reached, whether it serves (the server's availability: VPP's
 * connection, then the journal), the VPP it talks to (version and pid, asked
 * of VPP each time the server connects to one) and when it started. 'change'
 * whenever any of it may have changed.
 */
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { formatHostPort } from '../../lib/listen.ts';
import type { NodeRecord } from '../../lib/fleet/registration.ts';
import type { Logger } from '../../lib/log.ts';
import type { VppClient } from '../../vpp/client/index.ts';
import type { Availability } from '../availability.ts';

/** How long the server waits for VPP's answer to show_version. */
const VERSION_TIMEOUT_MS = 5000;

const WILDCARD_HOSTS: ReadonlySet<string> = new Set(['0.0.0.0', '::', '']);

/**
 * The address others reach a listener at: `advertised` when given (its port 0
 * standing for the bound one), else the listen host with the bound port, or
 * this host's name when it listens on every address.
 */
export function advertisedAddress(advertised: string | undefined, listenHost: string, boundPort: number): string {
  if (advertised) return advertised.replace(/:0$/, `:${boundPort}`);
  return formatHostPort(WILDCARD_HOSTS.has(listenHost) ? hostname() : listenHost, boundPort);
}

/** The node's state in the registry: `ready` when the server serves, else what keeps it from serving. */
export function registeredState(availability: Pick<Availability, 'serving' | 'state'>): string {
  if (availability.serving) return 'ready';
  // before the first attempt the client is idle: it is about to connect
  return availability.state === 'idle' ? 'connecting' : availability.state;
}

export interface NodeStatusOptions {
  name: string;
  grpc: string;
  metrics?: string;
  availability: Availability;
  client: VppClient;
  log: Logger;
}

export class NodeStatus extends EventEmitter<{ change: [] }> {
  readonly started = new Date().toISOString();
  /** the version of the VPP of that pid */
  private vpp: { pid: number; version?: string } | undefined;

  constructor(private readonly o: NodeStatusOptions) {
    super();
    o.availability.on('change', () => this.emit('change'));
    o.client.on('state', (c) => {
      if (c.state === 'connected' && c.vpePid !== undefined && c.vpePid !== this.vpp?.pid) this.learnVersion(c.vpePid);
    });
    if (o.client.state === 'connected' && o.client.vpePid !== undefined) this.learnVersion(o.client.vpePid);
  }

  record(): NodeRecord {
    const { availability } = this.o;
    const state = registeredState(availability);
    const reason = state === 'ready' ? undefined : availability.reason;
    return {
      name: this.o.name,
      grpc: this.o.grpc,
      ...(this.o.metrics ? { metrics: this.o.metrics } : {}),
      state,
      ...(reason ? { reason } : {}),
      ...(this.vpp ? { vpp: { ...(this.vpp.version ? { version: this.vpp.version } : {}), pid: this.vpp.pid } } : {}),
      started: this.started,
    };
  }

  /** A new VPP (first connection, or a restart): its pid at once, its version once it answers. */
  private learnVersion(pid: number): void {
    this.vpp = { pid };
    this.emit('change');
    this.o.client.request('show_version', {}, { timeoutMs: VERSION_TIMEOUT_MS }).then(
      (reply) => {
        if (this.vpp?.pid !== pid) return;
        const version = typeof reply.version === 'string' && reply.version !== '' ? reply.version : undefined;
        this.vpp = { pid, ...(version ? { version } : {}) };
        this.emit('change');
      },
      (e: Error) => this.o.log.debug({ err: e.message }, "cannot learn VPP's version for the fleet"),
    );
  }
}
