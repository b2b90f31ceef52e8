/**
 * A node's registration as a server publishes it in a registry (etcd's
 * `/vpp-rpc/nodes/<name>`): a JSON object `{"name", "grpc", "metrics",
 * "state", "reason", "vpp": {"version"}}`. A source that watches the registry
 * reads each value through `parseRegistration` and hands the node to the
 * directory; a value that does not parse is refused whole, saying why.
 */
import { parseHostPort } from '../../lib/listen.ts';
import { nodeNameProblem } from '../../lib/fleet/node-name.ts';
import type { NodeInfo } from './directory.ts';

export class RegistrationError extends Error {}

function optionalString(o: Record<string, unknown>, field: string, where: string): string | undefined {
  const v = o[field];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new RegistrationError(`${where}: "${field}" is not a string`);
  return v;
}

function address(o: Record<string, unknown>, field: string, where: string): string | undefined {
  const v = optionalString(o, field, where);
  if (v === undefined) return undefined;
  try {
    parseHostPort(v, field);
  } catch (e) {
    throw new RegistrationError(`${where}: ${(e as Error).message}`);
  }
  return v;
}

/**
 * The node a registration value describes. `name` is the one its key gives,
 * when the registry keys nodes by name: the value must agree with it.
 */
export function parseRegistration(text: string, name?: string): NodeInfo {
  const where = name === undefined ? 'node registration' : `registration of node ${name}`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new RegistrationError(`${where}: not JSON: ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new RegistrationError(`${where}: not a JSON object`);
  const o = value as Record<string, unknown>;
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
  const vpp = o.vpp;
  if (vpp !== undefined && vpp !== null && (typeof vpp !== 'object' || Array.isArray(vpp)))
    throw new RegistrationError(`${where}: "vpp" is not an object`);
  const vppVersion = vpp ? optionalString(vpp as Record<string, unknown>, 'version', `${where}, vpp`) : undefined;
  return {
    name: named,
    grpc,
    ...(metrics ? { metrics } : {}),
    state,
    ...(reason ? { reason } : {}),
    ...(vppVersion ? { vppVersion } : {}),
  };
}
