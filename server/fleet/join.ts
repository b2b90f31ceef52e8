/**
 * A server joins the fleet (--etcd): its status (node-status.ts) registered
 * under its node name (registration.ts), the key rewritten whenever the
 * status changes.
 */
import type { EtcdClient } from '../../lib/etcd/index.ts';
import { formatRegistration } from '../../lib/fleet/registration.ts';
import type { Logger } from '../../lib/log.ts';
import type { VppClient } from '../../vpp/client/index.ts';
import type { Availability } from '../availability.ts';
import type { ServerConfig } from '../config.ts';
import { advertisedAddress, NodeStatus } from './node-status.ts';
import { Registration } from './registration.ts';

export interface JoinOptions {
  cfg: Pick<ServerConfig, 'nodeName' | 'etcdLeaseTtl' | 'advertise' | 'advertiseMetrics'>;
  etcd: EtcdClient;
  availability: Availability;
  client: VppClient;
  log: Logger;
  /** where the server listens: its gRPC host and bound port, its metrics' (none when off) */
  grpc: { host: string; port: number };
  metrics?: { host: string; port: number };
}

/** Registers the node; rejects with NameTakenError when another live server has its name. */
export async function joinFleet(o: JoinOptions): Promise<Registration> {
  const { cfg } = o;
  const grpc = advertisedAddress(cfg.advertise, o.grpc.host, o.grpc.port);
  const metrics =
    cfg.advertiseMetrics || o.metrics
      ? advertisedAddress(cfg.advertiseMetrics, o.metrics?.host ?? '', o.metrics?.port ?? 0)
      : undefined;
  const log = o.log.child({ component: 'fleet' });
  const status = new NodeStatus({
    name: cfg.nodeName,
    grpc,
    ...(metrics ? { metrics } : {}),
    availability: o.availability,
    client: o.client,
    log,
  });
  const registration = new Registration({
    etcd: o.etcd,
    name: cfg.nodeName,
    ttlSeconds: cfg.etcdLeaseTtl,
    value: () => formatRegistration(status.record()),
    describe: { grpc, ...(metrics ? { metrics } : {}) },
    log,
  });
  status.on('change', () => registration.changed());
  await registration.start();
  return registration;
}
