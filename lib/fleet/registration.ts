/**
 * A node's registration in etcd: the key `/vpp-rpc/nodes/<name>` a server
 * keeps alive with a lease, holding a JSON object that says where others reach
 * it and how it is:
 *
 *     {"name": "edge-1", "grpc": "10.0.0.1:9111", "metrics": "10.0.0.1:9112",
 *      "state": "ready", "vpp": {"version": "26.06-release", "pid": 4242},
 *      "started": "2026-01-01T10:00:00.000Z"}
 *
 * `state` is `ready` when the server serves, else what keeps it from serving:
 * its VPP connection's state (`connecting`, `reconnecting`, `disconnected`,
 * `not_responding`) or its journal's (`verifying`, `replaying`,
 * `journal_unwritable`), with `reason` saying why. `vpp` is the VPP the server
 * talks to (absent before the server has learnt it), `started` when the server
 * started (RFC 3339). Servers write it (formatRegistration), gateways read it
 * (parseRegistration): one format, here.
 */
import { parseHostPort } from '../listen.ts';
import { nodeNameProblem } from './node-name.ts';

/** Where nodes register: one key per node below it. */
export const NODES_PREFIX = '/vpp-rpc/nodes/';

/** `ready`, or why the node does not serve; readers take states they do not know as not ready. */
export type NodeRecordState =
  | 'ready'
  | 'connecting'
  | 'reconnecting'
  | 'disconnected'
  | 'not_responding'
  | 'verifying'
  | 'replaying'
  | 'journal_unwritable'
  | (string & {});

export interface NodeRecord {
  name: string;
  /** the server's gRPC address as others reach it, `host:port` */
  grpc: string;
  /** its Prometheus /metrics, `host:port`; absent when it has none */
  metrics?: string;
  state: NodeRecordState;
  /** why it is not ready */
  reason?: string;
  /** the VPP it talks to, once known */
  vpp?: { version?: string; pid?: number };
  /** when the server started (RFC 3339); servers always write it */
  started?: string;
}

export class RegistrationError extends Error {
  override name = 'RegistrationError';
}

/** The key of node `name`; throws on a name no node may have. */
export function nodeKey(name: string): string {
  const problem = nodeNameProblem(name);
  if (problem) throw new RegistrationError(problem);
  return `${NODES_PREFIX}${name}`;
}

/** The node name a key below NODES_PREFIX stands for; undefined for a key that is no node's. */
export function nodeNameOfKey(key: string): string | undefined {
  if (!key.startsWith(NODES_PREFIX)) return undefined;
  const name = key.slice(NODES_PREFIX.length);
  return nodeNameProblem(name) ? undefined : name;
}

/** The value of a node's key. */
export function formatRegistration(r: NodeRecord): string {
  const vpp = r.vpp && {
    ...(r.vpp.version ? { version: r.vpp.version } : {}),
    ...(r.vpp.pid !== undefined ? { pid: r.vpp.pid } : {}),
  };
  return JSON.stringify({
    name: r.name,
    grpc: r.grpc,
    ...(r.metrics ? { metrics: r.metrics } : {}),
    state: r.state,
    ...(r.reason ? { reason: r.reason } : {}),
    ...(vpp && Object.keys(vpp).length > 0 ? { vpp } : {}),
    ...(r.started ? { started: r.started } : {}),
  });
}

type Fields = Record<string, unknown>;

function optionalString(o: Fields, field: string, where: string): string | undefined {
  const v = o[field];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new RegistrationError(`${where}: "${field}" is not a string`);
  return v;
}

function address(o: Fields, field: string, where: string): string | undefined {
  const v = optionalString(o, field, where);
  if (v === undefined) return undefined;
  try {
    parseHostPort(v, field);
  } catch (e) {
    throw new RegistrationError(`${where}: ${(e as Error).message}`);
  }
  return v;
}

function object(v: unknown, what: string, where: string): Fields | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw new RegistrationError(`${where}: ${what} is not an object`);
  return v as Fields;
}

function vppOf(o: Fields, where: string): NodeRecord['vpp'] {
  const vpp = object(o.vpp, '"vpp"', where);
  if (!vpp) return undefined;
  const version = optionalString(vpp, 'version', `${where}, vpp`);
  const pid = vpp.pid;
  if (pid !== undefined && pid !== null && (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0))
    throw new RegistrationError(`${where}: "vpp.pid" is not a process id`);
  const out = { ...(version ? { version } : {}), ...(typeof pid === 'number' ? { pid } : {}) };
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * The node a registration value describes, checked whole: a value that does
 * not parse is refused saying why (RegistrationError). `name` is the one its
 * key gives: the value must agree with it.
 */
export function parseRegistration(text: string, name?: string): NodeRecord {
  const where = name === undefined ? 'node registration' : `registration of node ${name}`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new RegistrationError(`${where}: not JSON: ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new RegistrationError(`${where}: not a JSON object`);
  const o = value as Fields;
  const named = optionalString(o, 'name', where) ?? name;
  if (named === undefined) throw new RegistrationError(`${where}: no "name"`);
  if (name !== undefined && named !== name)
    throw new RegistrationError(`${where}: its value names node ${JSON.stringify(named)}`);
  const problem = nodeNameProblem(named);
  if (problem) throw new RegistrationError(`${where}: ${problem}`);
  const grpc = address(o, 'grpc', where);
  if (grpc === undefined) throw new RegistrationError(`${where}: no "grpc" address`);
  const metrics = address(o, 'metrics', where);
  const state = optionalString(o, 'state', where);
  if (state === undefined) throw new RegistrationError(`${where}: no "state"`);
  const reason = optionalString(o, 'reason', where);
  const vpp = vppOf(o, where);
  const started = optionalString(o, 'started', where);
  if (started !== undefined && Number.isNaN(Date.parse(started)))
    throw new RegistrationError(`${where}: "started" is not a time (RFC 3339)`);
  return {
    name: named,
    grpc,
    ...(metrics ? { metrics } : {}),
    state,
    ...(reason ? { reason } : {}),
    ...(vpp ? { vpp } : {}),
    ...(started ? { started } : {}),
  };
}
