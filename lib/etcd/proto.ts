/**
 * The part of etcd's v3 gRPC API this client speaks, and the wire codecs of
 * its methods (the project's codec, lib/protobuf).
 *
 * The schema is proto source kept here as text rather than in a `.proto` file
 * beside it: the build (dist/) and the image carry compiled JavaScript only, so
 * a separate file would be missing where the client runs.
 */
import protobuf from 'protobufjs';
import { compileBinary, type BinaryCodec, type Value } from '../protobuf/index.ts';

/**
 * A subset of etcd's v3 API (etcd-io/etcd, api/mvccpb/kv.proto): only the
 * messages and fields this client uses, with etcd's own names and field
 * numbers, so that it stays wire-compatible with every etcd 3.x. Fields left
 * out are skipped when they arrive.
 */
const MVCC_PROTO = `
syntax = "proto3";
package mvccpb;

message KeyValue {
  bytes key = 1;
  int64 create_revision = 2;
  int64 mod_revision = 3;
  int64 version = 4;
  bytes value = 5;
  int64 lease = 6;
}

message Event {
  enum EventType {
    PUT = 0;
    DELETE = 1;
  }
  EventType type = 1;
  KeyValue kv = 2;
  KeyValue prev_kv = 3;
}
`;

/**
 * A subset of etcd's v3 API (etcd-io/etcd, api/etcdserverpb/rpc.proto): the
 * services KV, Watch, Lease and Maintenance with only the methods, messages
 * and fields this client uses, by etcd's names and field numbers.
 */
const RPC_PROTO = `
syntax = "proto3";
package etcdserverpb;

service KV {
  rpc Range(RangeRequest) returns (RangeResponse);
  rpc Put(PutRequest) returns (PutResponse);
  rpc DeleteRange(DeleteRangeRequest) returns (DeleteRangeResponse);
  rpc Txn(TxnRequest) returns (TxnResponse);
  rpc Compact(CompactionRequest) returns (CompactionResponse);
}

service Watch {
  rpc Watch(stream WatchRequest) returns (stream WatchResponse);
}

service Lease {
  rpc LeaseGrant(LeaseGrantRequest) returns (LeaseGrantResponse);
  rpc LeaseRevoke(LeaseRevokeRequest) returns (LeaseRevokeResponse);
  rpc LeaseKeepAlive(stream LeaseKeepAliveRequest) returns (stream LeaseKeepAliveResponse);
  rpc LeaseTimeToLive(LeaseTimeToLiveRequest) returns (LeaseTimeToLiveResponse);
}

service Maintenance {
  rpc Status(StatusRequest) returns (StatusResponse);
}

message ResponseHeader {
  uint64 cluster_id = 1;
  uint64 member_id = 2;
  int64 revision = 3;
  uint64 raft_term = 4;
}

message RangeRequest {
  bytes key = 1;
  bytes range_end = 2;
  int64 limit = 3;
  int64 revision = 4;
  bool serializable = 7;
  bool keys_only = 8;
  bool count_only = 9;
}

message RangeResponse {
  ResponseHeader header = 1;
  repeated mvccpb.KeyValue kvs = 2;
  bool more = 3;
  int64 count = 4;
}

message PutRequest {
  bytes key = 1;
  bytes value = 2;
  int64 lease = 3;
  bool prev_kv = 4;
}

message PutResponse {
  ResponseHeader header = 1;
  mvccpb.KeyValue prev_kv = 2;
}

message DeleteRangeRequest {
  bytes key = 1;
  bytes range_end = 2;
  bool prev_kv = 3;
}

message DeleteRangeResponse {
  ResponseHeader header = 1;
  int64 deleted = 2;
  repeated mvccpb.KeyValue prev_kvs = 3;
}

message RequestOp {
  oneof request {
    RangeRequest request_range = 1;
    PutRequest request_put = 2;
    DeleteRangeRequest request_delete_range = 3;
  }
}

message ResponseOp {
  oneof response {
    RangeResponse response_range = 1;
    PutResponse response_put = 2;
    DeleteRangeResponse response_delete_range = 3;
  }
}

message Compare {
  enum CompareResult {
    EQUAL = 0;
    GREATER = 1;
    LESS = 2;
    NOT_EQUAL = 3;
  }
  enum CompareTarget {
    VERSION = 0;
    CREATE = 1;
    MOD = 2;
    VALUE = 3;
    LEASE = 4;
  }
  CompareResult result = 1;
  CompareTarget target = 2;
  bytes key = 3;
  oneof target_union {
    int64 version = 4;
    int64 create_revision = 5;
    int64 mod_revision = 6;
    bytes value = 7;
    int64 lease = 8;
  }
}

message TxnRequest {
  repeated Compare compare = 1;
  repeated RequestOp success = 2;
  repeated RequestOp failure = 3;
}

message TxnResponse {
  ResponseHeader header = 1;
  bool succeeded = 2;
  repeated ResponseOp responses = 3;
}

message CompactionRequest {
  int64 revision = 1;
  bool physical = 2;
}

message CompactionResponse {
  ResponseHeader header = 1;
}

message WatchRequest {
  oneof request_union {
    WatchCreateRequest create_request = 1;
    WatchCancelRequest cancel_request = 2;
  }
}

message WatchCreateRequest {
  bytes key = 1;
  bytes range_end = 2;
  int64 start_revision = 3;
  bool progress_notify = 4;
  bool prev_kv = 6;
  int64 watch_id = 7;
  bool fragment = 8;
}

message WatchCancelRequest {
  int64 watch_id = 1;
}

message WatchResponse {
  ResponseHeader header = 1;
  int64 watch_id = 2;
  bool created = 3;
  bool canceled = 4;
  int64 compact_revision = 5;
  string cancel_reason = 6;
  bool fragment = 7;
  repeated mvccpb.Event events = 11;
}

message LeaseGrantRequest {
  int64 TTL = 1;
  int64 ID = 2;
}

message LeaseGrantResponse {
  ResponseHeader header = 1;
  int64 ID = 2;
  int64 TTL = 3;
  string error = 4;
}

message LeaseRevokeRequest {
  int64 ID = 1;
}

message LeaseRevokeResponse {
  ResponseHeader header = 1;
}

message LeaseKeepAliveRequest {
  int64 ID = 1;
}

message LeaseKeepAliveResponse {
  ResponseHeader header = 1;
  int64 ID = 2;
  int64 TTL = 3;
}

message LeaseTimeToLiveRequest {
  int64 ID = 1;
  bool keys = 2;
}

message LeaseTimeToLiveResponse {
  ResponseHeader header = 1;
  int64 ID = 2;
  int64 TTL = 3;
  int64 grantedTTL = 4;
  repeated bytes keys = 5;
}

message StatusRequest {}

message StatusResponse {
  ResponseHeader header = 1;
  string version = 2;
  int64 dbSize = 3;
  uint64 leader = 4;
  uint64 raftIndex = 5;
  uint64 raftTerm = 6;
  uint64 raftAppliedIndex = 7;
  repeated string errors = 8;
  int64 dbSizeInUse = 9;
  bool isLearner = 10;
}
`;

function parseRoot(): protobuf.Root {
  const root = new protobuf.Root();
  // keepCase: the codec reads and writes fields by their proto names
  protobuf.parse(MVCC_PROTO, root, { keepCase: true });
  protobuf.parse(RPC_PROTO, root, { keepCase: true });
  root.resolveAll();
  return root;
}

const root = parseRoot();

/** One method of etcd's API: its gRPC path and the codecs of its two messages. */
export interface EtcdMethod {
  /** `Service.Method`, for messages */
  name: string;
  path: string;
  request: BinaryCodec;
  response: BinaryCodec;
  /** the client's side, as grpc-js calls them */
  serialize: (value: Value) => Buffer;
  deserialize: (bytes: Buffer) => Value;
}

function method(service: string, name: string): EtcdMethod {
  const m = root.lookupService(`etcdserverpb.${service}`).methods[name];
  if (!m) throw new Error(`etcd API subset: no method ${service}.${name}`);
  const req = compileBinary(root.lookupType(`etcdserverpb.${m.requestType}`));
  const res = compileBinary(root.lookupType(`etcdserverpb.${m.responseType}`));
  return {
    name: `${service}.${name}`,
    path: `/etcdserverpb.${service}/${name}`,
    request: req,
    response: res,
    serialize: (v) => req.encode(v),
    deserialize: (b) => res.decode(b),
  };
}

export const RPC = {
  range: method('KV', 'Range'),
  put: method('KV', 'Put'),
  deleteRange: method('KV', 'DeleteRange'),
  txn: method('KV', 'Txn'),
  compact: method('KV', 'Compact'),
  watch: method('Watch', 'Watch'),
  leaseGrant: method('Lease', 'LeaseGrant'),
  leaseRevoke: method('Lease', 'LeaseRevoke'),
  leaseKeepAlive: method('Lease', 'LeaseKeepAlive'),
  leaseTimeToLive: method('Lease', 'LeaseTimeToLive'),
  status: method('Maintenance', 'Status'),
} as const;

/** mvccpb.Event.EventType */
export const EVENT_DELETE = 1;
/** etcdserverpb.Compare.CompareResult */
export const COMPARE_RESULT = { '==': 0, '>': 1, '<': 2, '!=': 3 } as const;
/** etcdserverpb.Compare.CompareTarget, with the field of target_union each one compares */
export const COMPARE_TARGET = {
  version: { target: 0, field: 'version' },
  createRevision: { target: 1, field: 'create_revision' },
  modRevision: { target: 2, field: 'mod_revision' },
  value: { target: 3, field: 'value' },
  lease: { target: 4, field: 'lease' },
} as const;
