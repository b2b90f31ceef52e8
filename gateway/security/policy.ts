/** Read-only mode and allow/deny lists on REST: a refused route answers 403 before any gRPC call. */
import { status } from '../../lib/grpc/status.ts';
import type { onRequestHookHandler } from 'fastify';
import {
  refusalInfo,
  refusals,
  shortService,
  type PolicyOptions,
  type Refusal,
  type RpcName,
} from '../../lib/policy.ts';
import { GatewayError } from '../errors.ts';
import type { Route } from '../routes.ts';

export function routeName(route: Route): RpcName {
  const kind = route.events ? 'events' : route.streaming ? 'dump' : 'unary';
  return {
    service: shortService(route.service),
    method: route.method,
    request: route.vppRequest,
    kind,
    ...(route.reads !== undefined ? { reads: route.reads } : {}),
  };
}

/** The routes the options refuse; throws when a pattern matches no route. */
export function refusedRoutes(opts: PolicyOptions, routes: Route[]): Map<Route, Refusal> {
  return refusals(
    opts,
    routes.map((r) => [r, routeName(r)]),
  );
}

export function refusalHook(refusal: Refusal): onRequestHookHandler {
  return (_req, _reply, done) =>
    done(
      new GatewayError({ code: status.PERMISSION_DENIED, message: refusal.message, details: [refusalInfo(refusal)] }),
    );
}
