/**
 * Routes read once from the protos' google.api.http rules (the services'
 * index): no per-route code. Each route's codecs compile, and its proto file
 * is parsed, on its first request. The gateway knows proto services, not VPP.
 */
import protobuf from 'protobufjs';
import {
  indexedOption,
  lazyBinary,
  lazyJson,
  servicesOf,
  type BinaryCodec,
  type JsonCodec,
  type ProtoServices,
} from '../lib/protobuf/index.ts';

export type HttpVerb = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Route {
  verb: HttpVerb;
  path: string;
  /** `/vpp.vpe.Vpe/ShowVersion` */
  grpcPath: string;
  service: string;
  method: string;
  streaming: boolean;
  /** a stream that lasts as long as the caller wants (an event subscription) */
  events: boolean;
  /** the VPP request behind the route (`show_version`), from (vpprpc.method); read-only mode reads it */
  vppRequest: string;
  /** the request message's full name (`vpp.ip.IpRouteAddDel`), as an Any names it */
  requestType: string;
  /** the product's own routes (vpprpc.Stats…) say whether they only read, in (vpprpc.own) */
  reads?: boolean;
  /** each reply message carries one JSON value as text: written as it is (vpprpc.own json_lines) */
  jsonLines: boolean;
  request: { json: JsonCodec; binary: BinaryCodec };
  response: { json: JsonCodec; binary: BinaryCodec };
}

const VERBS: HttpVerb[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** The routes of the protos: an index of their services, or a root parsed whole. */
export function compileRoutes(protos: ProtoServices | protobuf.Root): Route[] {
  const { services, types } = protos instanceof protobuf.Root ? servicesOf(protos) : protos;
  const routes: Route[] = [];
  // a type's lazy getter holds its names only, not the index's method (its options) nor service
  const typeOf = (file: string, name: string) => (): protobuf.Type => types.type(file, name);
  for (const s of services)
    for (const m of s.methods) {
      const rule = indexedOption(m, '(google.api.http)');
      if (!rule) continue;
      const verb = VERBS.find((v) => typeof rule[v.toLowerCase()] === 'string');
      if (!verb) throw new Error(`${s.name}.${m.name}: google.api.http rule without a verb`);
      const path = String(rule[verb.toLowerCase()]);
      if (path.includes('{')) throw new Error(`${s.name}.${m.name}: path variables (${path}) are not supported`);
      const req = typeOf(s.file, m.requestType);
      const res = typeOf(s.file, m.responseType);
      const vpp = indexedOption(m, '(vpprpc.method)');
      const own = indexedOption<{ reads_only?: boolean; open_stream?: boolean; json_lines?: boolean }>(
        m,
        '(vpprpc.own)',
      );
      routes.push({
        verb,
        path,
        grpcPath: `/${s.name}/${m.name}`,
        service: s.name,
        method: m.name,
        streaming: m.responseStream,
        events: vpp?.events !== undefined || own?.open_stream === true,
        vppRequest: String(vpp?.request ?? ''),
        requestType: m.requestType,
        ...(own ? { reads: own.reads_only === true } : {}),
        jsonLines: own?.json_lines === true,
        request: { json: lazyJson(req), binary: lazyBinary(req) },
        response: { json: lazyJson(res), binary: lazyBinary(res) },
      });
    }
  return routes;
}
