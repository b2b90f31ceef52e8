/**
 * Routes compiled once from the protos' google.api.http rules: no per-route
 * code. The gateway knows proto services, not VPP.
 */
import type protobuf from 'protobufjs';
import {
  compileBinary,
  compileJson,
  optionOf,
  serviceMethods,
  type BinaryCodec,
  type JsonCodec,
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
  request: { json: JsonCodec; binary: BinaryCodec };
  response: { json: JsonCodec; binary: BinaryCodec };
}

const VERBS: HttpVerb[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

export function compileRoutes(root: protobuf.Root): Route[] {
  const routes: Route[] = [];
  for (const { service, method: m } of serviceMethods(root)) {
    const rule = optionOf(m, '(google.api.http)');
    if (!rule) continue;
    const verb = VERBS.find((v) => typeof rule[v.toLowerCase()] === 'string');
    if (!verb) throw new Error(`${service}.${m.name}: google.api.http rule without a verb`);
    const path = String(rule[verb.toLowerCase()]);
    if (path.includes('{')) throw new Error(`${service}.${m.name}: path variables (${path}) are not supported`);
    const req = m.resolvedRequestType!;
    const res = m.resolvedResponseType!;
    const vpp = optionOf(m, '(vpprpc.method)');
    const own = optionOf<{ reads_only?: boolean; open_stream?: boolean }>(m, '(vpprpc.own)');
    routes.push({
      verb,
      path,
      grpcPath: `/${service}/${m.name}`,
      service,
      method: m.name,
      streaming: Boolean(m.responseStream),
      events: vpp?.events !== undefined || own?.open_stream === true,
      vppRequest: String(vpp?.request ?? ''),
      requestType: req.fullName.replace(/^\./, ''),
      ...(own ? { reads: own.reads_only === true } : {}),
      request: { json: compileJson(req), binary: compileBinary(req) },
      response: { json: compileJson(res), binary: compileBinary(res) },
    });
  }
  return routes;
}
