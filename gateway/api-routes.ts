/**
 * The API's routes as a few parametric Fastify routes (`POST
 * /:service/:rpc/request`, `…/batch`) rather than one per RPC: a request's
 * RPC is found through one Map by its path, and the RPC's own protections run
 * in one onRequest hook. A thousand Fastify routes each cost the gateway its
 * router nodes, hooks and closures: seconds of start-up and tens of MiB.
 *
 * A path no RPC has answers as the not-found handler answers it, with no hook
 * run; a request of a known one is labelled and logged by its RPC's path.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';

/** One API endpoint, as a request resolves to it. */
export interface ApiEndpoint<R> {
  /** `/Vpe/ShowVersion/request`: its metrics label and its path in the logs */
  path: string;
  rpc: R;
  /** the handler observes and logs the request itself (streams, batches) */
  streaming: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** the API endpoint the request's path names, null when none does (or the route is not an API one) */
    apiEndpoint: ApiEndpoint<unknown> | null;
  }
}

/** Once per app, before any API route is registered: the request field the endpoint is kept in. */
export function decorateApiRequests(app: FastifyInstance): void {
  app.decorateRequest('apiEndpoint', null);
}

export interface ApiFamily<R> {
  /** the last segment of its paths: `request`, `batch` */
  suffix: string;
  /** path → endpoint */
  endpoints: Map<string, ApiEndpoint<R>>;
  /** the endpoint's onRequest hooks, undefined when it needs none (asked once per endpoint) */
  hooksFor(endpoint: ApiEndpoint<R>): onRequestHookHandler[] | undefined;
  handle(endpoint: ApiEndpoint<R>, req: FastifyRequest, reply: FastifyReply): Promise<unknown>;
  /** answers a path no endpoint has */
  notFound(req: FastifyRequest, reply: FastifyReply): void;
}

type Hook = (this: FastifyInstance, req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => unknown;

/**
 * Runs hooks one after the other, as Fastify runs a route's own: the first
 * error stops them; a hook of two parameters is async, as Fastify tells them.
 */
function runHooks(
  app: FastifyInstance,
  hooks: onRequestHookHandler[],
  req: FastifyRequest,
  reply: FastifyReply,
  done: (err?: Error) => void,
): void {
  let i = 0;
  const next = (err?: Error): void => {
    if (err || i === hooks.length) return done(err);
    const hook = hooks[i++] as Hook;
    if (hook.length === 3) hook.call(app, req, reply, next);
    else (hook.call(app, req, reply, next) as Promise<unknown>).then(() => next(), next);
  };
  next();
}

/** The request came to an API route: its path names an endpoint, or none (then it is unmatched). */
export function isApiRoute(req: FastifyRequest): boolean {
  return (req.routeOptions.config as { api?: boolean }).api === true;
}

/** Registers `POST /:service/:rpc/<suffix>` on `scope` for the family's endpoints. */
export function registerApiFamily<R>(scope: FastifyInstance, family: ApiFamily<R>): void {
  const hooks = new Map<ApiEndpoint<R>, onRequestHookHandler[] | undefined>();
  const hooksOf = (e: ApiEndpoint<R>): onRequestHookHandler[] | undefined => {
    if (!hooks.has(e)) hooks.set(e, family.hooksFor(e));
    return hooks.get(e);
  };
  const tail = `/${family.suffix}`;
  scope.route({
    method: 'POST',
    url: `/:service/:rpc${tail}`,
    config: { api: true },
    onRequest(req, reply, done) {
      const { service, rpc } = req.params as { service: string; rpc: string };
      const endpoint = family.endpoints.get(`/${service}/${rpc}${tail}`);
      if (!endpoint) return done();
      req.apiEndpoint = endpoint;
      const own = hooksOf(endpoint);
      if (!own) return done();
      runHooks(this, own, req, reply, done);
    },
    handler(req, reply) {
      const endpoint = req.apiEndpoint as ApiEndpoint<R> | null;
      if (endpoint) return family.handle(endpoint, req, reply);
      family.notFound(req, reply);
    },
  });
}
