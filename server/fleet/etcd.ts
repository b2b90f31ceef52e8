/**
 * The server's one etcd client, when it joins a fleet (--etcd): the node's
 * registration and, with --journal etcd, its journal share it.
 */
import { EtcdClient } from '../../lib/etcd/index.ts';
import type { Logger } from '../../lib/log.ts';
import type { ServerConfig } from '../config.ts';

export function connectEtcd(cfg: ServerConfig, log: Logger): EtcdClient | undefined {
  if (cfg.etcd.length === 0) return undefined;
  return new EtcdClient({ endpoints: cfg.etcd, log: log.child({ component: 'etcd' }) });
}
