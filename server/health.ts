/**
 * gRPC health, following the VPP connection: every service is as available
 * as VPP is. A Check's trailers also say why it is not (`vpp-state`,
 * `vpp-reason`), so that the gateway's /readyz can name a VPP that stopped
 * answering rather than only say NOT_SERVING.
 */
import {
  Metadata,
  type handleUnaryCall,
  type Server,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import type { VppClient } from '../vpp/client/index.ts';

/** Metadata values are printable ASCII. */
const printable = (s: string): string => s.replace(/[^\x20-\x7e]/g, '?');

export function addHealth(server: Server, services: string[], client: VppClient): void {
  const health = new HealthImplementation({ '': 'NOT_SERVING' });
  const set = (serving: boolean): void => {
    const s = serving ? 'SERVING' : 'NOT_SERVING';
    health.setStatus('', s);
    for (const name of services) health.setStatus(name, s);
  };
  set(client.state === 'connected');
  client.on('state', (c) => set(c.state === 'connected'));
  const trailer = (): Metadata => {
    const m = new Metadata();
    m.set('vpp-state', client.state);
    const why = client.unavailable();
    if (why) m.set('vpp-reason', printable(why.message));
    return m;
  };
  // the library's own Check, with the trailers added
  health.addToServer({
    addService(def: ServiceDefinition, impl: UntypedServiceImplementation) {
      const check = impl.check as handleUnaryCall<unknown, unknown>;
      const withTrailer: handleUnaryCall<unknown, unknown> = (call, cb) =>
        check(call, (err, value) => cb(err, value, trailer()));
      server.addService(def, { ...impl, check: withTrailer });
    },
  } as Server);
}
