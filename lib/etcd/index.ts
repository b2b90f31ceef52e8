/** An etcd v3 client over gRPC (client.ts says what it promises). */
export { EtcdClient, type EtcdOptions, type MemberStatus } from './client.ts';
export { EtcdCompactedError, EtcdError, EtcdUnavailableError } from './errors.ts';
export type { KeyValue } from './keys.ts';
export type { Lease } from './lease.ts';
export type { Compare, CompareOp, Op, OpResult, Txn, TxnResult } from './txn.ts';
export type { WatchEvent, WatchListener, Watcher } from './watch.ts';
