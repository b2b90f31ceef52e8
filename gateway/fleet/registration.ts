/**
 * A node as the directory knows it, from the registration a server publishes
 * in etcd (lib/fleet/registration.ts has the format). A value that does not
 * parse is refused whole, saying why (RegistrationError).
 */
import { parseRegistration } from '../../lib/fleet/registration.ts';
import type { NodeInfo } from './directory.ts';

export { RegistrationError } from '../../lib/fleet/registration.ts';

/** The node a registration value describes; `name` is the one its key gives. */
export function nodeOfRegistration(text: string, name?: string): NodeInfo {
  const r = parseRegistration(text, name);
  return {
    name: r.name,
    grpc: r.grpc,
    ...(r.metrics ? { metrics: r.metrics } : {}),
    state: r.state,
    ...(r.reason ? { reason: r.reason } : {}),
    ...(r.vpp?.version ? { vppVersion: r.vpp.version } : {}),
  };
}
