/**
 * Routes compiled once from the protos' google.api.http rules: no per-route
 * code. The gateway knows proto services, not VPP.
 */
import type protobuf from 'protobufjs';
import { compileBinary, compileJson, type BinaryCodec, type JsonCodec } from '../lib/protobuf/index.ts';

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
  request: { json: JsonCodec; binary: BinaryCodec };
  response: { json: JsonCodec; binary: BinaryCodec };
}

type Options = Record<string, unknown>;

function optionOf(m: protobuf.Method, name: string): Options | undefined {
  for (const o of (m.parsedOptions ?? []) as unknown as Options[]) if (o[name] !== undefined) return o[name] as Options;
  return undefined;
}

const VERBS: HttpVerb[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

export function compileRoutes(root: protobuf.Root): Route[] {
  const routes: Route[] = [];
  const visit = (ns: protobuf.NamespaceBase): void => {
    for (const obj of ns.nestedArray) {
      if ('methodsArray' in obj) {
        const svc = obj as protobuf.Service;
        const service = svc.fullName.replace(/^\./, '');
        for (const m of svc.methodsArray) {
          const rule = optionOf(m, '(google.api.http)');
          if (!rule) continue;
          const verb = VERBS.find((v) => typeof rule[v.toLowerCase()] === 'string');
          if (!verb) throw new Error(`${service}.${m.name}: google.api.http rule without a verb`);
          const path = String(rule[verb.toLowerCase()]);
          if (path.includes('{')) throw new Error(`${service}.${m.name}: path variables (${path}) are not supported`);
          m.resolve();
          const req = m.resolvedRequestType!;
          const res = m.resolvedResponseType!;
          const vpp = optionOf(m, '(vpprpc.method)');
          routes.push({
            verb,
            path,
            grpcPath: `/${service}/${m.name}`,
            service,
            method: m.name,
            streaming: Boolean(m.responseStream),
            events: vpp?.events !== undefined,
            vppRequest: String(vpp?.request ?? ''),
            request: { json: compileJson(req), binary: compileBinary(req) },
            response: { json: compileJson(res), binary: compileBinary(res) },
          });
        }
      } else if ('nestedArray' in obj) visit(obj as protobuf.Namespace);
    }
  };
  visit(root);
  return routes;
}
