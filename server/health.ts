/**
 * gRPC health (grpc.health.v1: Check, Watch, List), following the server's
 * availability (VPP's connection, then the journal's replay): every service
 * is as available as the server is. A Check's trailers also say why it is not
 * (`vpp-state`, `vpp-reason`), so that the gateway's
 * /readyz can name a VPP that stopped answering rather than only say
 * NOT_SERVING. The messages are encoded by the project's codec: a health
 * library would load a proto loader and parse health.proto at every start.
 */
import {
  Metadata,
  status,
  type handleServerStreamingCall,
  type handleUnaryCall,
  type MethodDefinition,
  type Server,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { compileBinary, type Value } from '../lib/protobuf/index.ts';
import { HEALTH_SERVICE, VPP_REASON_KEY, VPP_STATE_KEY } from '../lib/wire-names.ts';
import type { Availability } from './availability.ts';

const SERVING = 1;
const NOT_SERVING = 2;
const SERVICE_UNKNOWN = 3;
/** List refuses more services than this (RESOURCE_EXHAUSTED), as gRPC's own implementations do */
const LIST_LIMIT = 100;

/** health.proto's messages; a map field is on the wire a repeated entry message */
const health = protobuf.Root.fromJSON({
  nested: {
    HealthCheckRequest: { fields: { service: { type: 'string', id: 1 } } },
    HealthCheckResponse: { fields: { status: { type: 'int32', id: 1 } } },
    HealthListRequest: { fields: {} },
    HealthListResponse: {
      fields: { statuses: { rule: 'repeated', type: 'StatusEntry', id: 1 } },
      nested: {
        StatusEntry: {
          fields: { key: { type: 'string', id: 1 }, value: { type: '.HealthCheckResponse', id: 2 } },
        },
      },
    },
  },
});

function method(
  name: string,
  request: string,
  response: string,
  responseStream: boolean,
): MethodDefinition<Value, Value> {
  const req = compileBinary(health.lookupType(request));
  const res = compileBinary(health.lookupType(response));
  return {
    path: `/${HEALTH_SERVICE}/${name}`,
    requestStream: false,
    responseStream,
    requestSerialize: (v) => Buffer.from(req.encode(v)),
    requestDeserialize: (b) => req.decode(b),
    responseSerialize: (v) => Buffer.from(res.encode(v)),
    responseDeserialize: (b) => res.decode(b),
    originalName: name.charAt(0).toLowerCase() + name.slice(1),
  };
}

/** Metadata values are printable ASCII. */
const printable = (s: string): string => s.replace(/[^\x20-\x7e]/g, '?');

export function addHealth(server: Server, services: string[], availability: Availability): void {
  const statuses = new Map<string, number>([['', NOT_SERVING]]);
  const watchers = new Map<string, Set<(s: number) => void>>();
  const set = (serving: boolean): void => {
    const s = serving ? SERVING : NOT_SERVING;
    for (const name of ['', ...services]) {
      statuses.set(name, s);
      for (const w of watchers.get(name) ?? []) w(s);
    }
  };
  set(availability.serving);
  availability.on('change', () => set(availability.serving));
  const trailer = (): Metadata => {
    const m = new Metadata();
    m.set(VPP_STATE_KEY, availability.state);
    const why = availability.reason;
    if (why) m.set(VPP_REASON_KEY, printable(why));
    return m;
  };

  const check: handleUnaryCall<Value, Value> = (call, cb) => {
    const service = String(call.request.service ?? '');
    const s = statuses.get(service);
    if (s !== undefined) cb(null, { status: s }, trailer());
    else cb({ code: status.NOT_FOUND, details: `Health status unknown for service ${service}` }, null, trailer());
  };
  const watch: handleServerStreamingCall<Value, Value> = (call) => {
    const service = String(call.request.service ?? '');
    const watcher = (s: number): void => void call.write({ status: s });
    let own = watchers.get(service);
    if (!own) watchers.set(service, (own = new Set()));
    own.add(watcher);
    call.on('cancelled', () => own.delete(watcher));
    call.write({ status: statuses.get(service) ?? SERVICE_UNKNOWN });
  };
  const list: handleUnaryCall<Value, Value> = (_call, cb) => {
    if (statuses.size > LIST_LIMIT)
      return cb({ code: status.RESOURCE_EXHAUSTED, details: 'Too many services to list.' }, null);
    cb(null, { statuses: [...statuses].map(([key, s]) => ({ key, value: { status: s } })) });
  };
  const definition: ServiceDefinition = {
    Check: method('Check', 'HealthCheckRequest', 'HealthCheckResponse', false),
    Watch: method('Watch', 'HealthCheckRequest', 'HealthCheckResponse', true),
    List: method('List', 'HealthListRequest', 'HealthListResponse', false),
  };
  server.addService(definition, { Check: check, Watch: watch, List: list });
}
