/**
 * The REST gateway: a route per google.api.http rule (found by path through
 * one map: api-routes.ts), JSON in and out, streams as arrays, NDJSON or SSE,
 * over one gRPC channel to the server, or, in front of a fleet (fleet/), to
 * the node each request names.
 */
import { readFileSync } from 'node:fs';
import { status } from '../lib/grpc/status.ts';
import Fastify, { errorCodes, type FastifyReply, type FastifyRequest } from 'fastify';
import { announceReady, type Logger } from '../lib/log.ts';
import { formatHostPort, IDLE_KEEP_ALIVE_MS, parseHostPort } from '../lib/listen.ts';
import { startMetrics } from '../lib/metrics-http.ts';
import { loadServices } from '../lib/protobuf/index.ts';
import type { GatewayConfig } from './config.ts';
import { clientErrorHandler, frameworkErrors, lingerOnEarlyClose } from './client-errors.ts';
import { registerDocs } from './docs/docs.ts';
import { fromCallError, gatewayError, GatewayError } from './errors.ts';
import { encodeRequest } from './request-body.ts';
import { callOptions, deadlineOf } from './call-options.ts';
import { decorateApiRequests, isApiRoute, registerApiFamily, type ApiEndpoint } from './api-routes.ts';
import { registerBatchRoutes } from './batch/routes.ts';
import { grpcClient } from './grpc/channel.ts';
import { GrpcCallError, type GrpcClient } from './grpc/client.ts';
import { checkReady } from './grpc/readiness.ts';
import type { Upstream } from './grpc/upstream.ts';
import { GatewayMetrics } from './metrics.ts';
import { compileRoutes, type Route } from './routes.ts';
import { gatewayGuards } from './security/guards.ts';
import { endEventStreams, negotiate, pipeStream, STREAM_MEDIA_TYPES } from './streams.ts';
import { fanOut } from './fleet/fan-out.ts';
import { startFleet } from './fleet/fleet.ts';
import { NODES_PATH, registerFleetRoutes, TARGETS_PATH } from './fleet/routes.ts';
import {
  decorateFleetRequests,
  NODE_HEADER_KEY,
  type CallKind,
  type Destination,
  type FanOutNode,
} from './fleet/routing.ts';
import { mediaTypesIn, ndjsonTypeIn } from './media-types.ts';
import { NDJSON_MEDIA_TYPE } from '../lib/wire-names.ts';

export interface RunningGateway {
  port: number;
  metricsPort: number | undefined;
  routes: Route[];
  close(): Promise<void>;
}

const JSON_TYPES = ['application/json', 'text/plain', 'application/x-www-form-urlencoded'];

/** The compiler factory of a gateway whose routes declare no schemas. */
const noSchemas = (): never => {
  throw new Error('the gateway declares no route schemas');
};

/** One line when the gRPC server goes away or stops answering, one when it answers again. */
function logUpstream(upstream: Upstream, log: Logger): void {
  upstream.on('state', (c) => {
    if (c.state === 'not_responding') log.warn({ grpc: upstream.target, silentMs: c.silentMs }, c.reason);
    else if (c.state === 'unreachable') log.warn({ grpc: upstream.target }, c.reason);
    else if (c.state === 'ready' && c.downMs !== undefined)
      log.info(
        { grpc: upstream.target, downMs: c.downMs },
        `the gRPC server at ${upstream.target} answers again, after ${(c.downMs / 1000).toFixed(1)} s`,
      );
  });
}

function sendError(reply: FastifyReply, err: GatewayError): void {
  void reply
    .code(err.httpStatus)
    .header('content-type', 'application/json; charset=utf-8')
    .send(JSON.stringify(err.body));
}

export async function startGateway(cfg: GatewayConfig, log: Logger): Promise<RunningGateway> {
  const routes = compileRoutes(loadServices(cfg.protoDir));
  const guards = gatewayGuards(cfg, routes, log);
  const metrics = new GatewayMetrics();
  const fleet = cfg.nodes || cfg.etcd ? startFleet(cfg, routes, metrics.registry, log) : undefined;
  // a gateway that fronts no fleet has its one server
  const single = fleet ? undefined : grpcClient(cfg);
  if (single) {
    metrics.watchUpstream(single.upstream);
    logUpstream(single.upstream, log);
  }
  /** Where the request's calls go; throws the error it is answered with when they go nowhere. */
  const theServer: Destination | undefined = single && { kind: 'node', client: single };
  const destinationOf = (req: FastifyRequest, kind: CallKind): Destination => {
    if (!fleet) return theServer!;
    const d = fleet.router.destination(req.headers[NODE_HEADER_KEY], kind);
    req.fleetTarget = {
      nodes: d.kind === 'node' ? d.node! : d.nodes.map((n) => n.node).join(','),
      fanOut: d.kind === 'fan-out',
    };
    return d;
  };
  const kindOf = (route: Route): CallKind => (route.events ? 'events' : route.streaming ? 'dump' : 'unary');
  const tls =
    cfg.tlsCert && cfg.tlsKey ? { cert: readFileSync(cfg.tlsCert), key: readFileSync(cfg.tlsKey) } : undefined;
  // path → verb of every API route: a known path asked with another method is 405
  const paths = new Map<string, string>();
  const notFound = (req: FastifyRequest, reply: FastifyReply): void => {
    const path = req.url.split('?')[0]!;
    const verb = paths.get(path);
    if (verb) {
      void reply.header('allow', verb);
      return sendError(reply, gatewayError(status.UNIMPLEMENTED, `${path} takes ${verb}, not ${req.method}`, 405));
    }
    if (!fleet && (path === NODES_PATH || path === TARGETS_PATH))
      return sendError(
        reply,
        gatewayError(
          status.NOT_FOUND,
          `${path} lists a fleet's nodes: this gateway fronts one server (${cfg.grpcTarget}); a fleet gateway is started with --etcd or --nodes`,
          404,
        ),
      );
    sendError(
      reply,
      gatewayError(status.NOT_FOUND, `no route ${req.method} ${path}: see /openapi.json for the routes`, 404),
    );
  };
  const app = Fastify({
    logger: false,
    bodyLimit: cfg.bodyLimit,
    ...(tls ? { https: tls } : {}),
    keepAliveTimeout: IDLE_KEEP_ALIVE_MS,
    return503OnClosing: true,
    clientErrorHandler,
    // no route declares a schema: Fastify need not load its schema compilers (Ajv) at start
    schemaController: { compilersFactory: { buildValidator: noSchemas, buildSerializer: noSchemas } },
    frameworkErrors: (error, req, reply) =>
      // the router refuses a long segment of any path with a parameter: of an API path it is a path no RPC has
      error.code === 'FST_ERR_MAX_PARAM_LENGTH' && !req.url.startsWith('/docs/')
        ? notFound(req, reply)
        : frameworkErrors(error, req, reply),
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(JSON_TYPES, { parseAs: 'string' }, (_req, body, done) => done(null, body));
  // no body is `{}` whatever the content type says (grpc-gateway does the same; `hey -m POST` sends
  // text/html); a body of another type is refused as Fastify refuses a type it has no parser for
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body: Buffer, done) =>
    body.length === 0 ? done(null, undefined) : done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE()),
  );

  const unary = async (
    route: Route,
    client: GrpcClient,
    req: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply> => {
    const bytes = encodeRequest(route, req.body);
    let res: Buffer;
    try {
      res = await client.unary(route.grpcPath, bytes, callOptions(req, deadlineOf(req, cfg.requestTimeoutMs)));
    } catch (e) {
      throw e instanceof GrpcCallError ? fromCallError(e) : e;
    }
    return reply
      .code(200)
      .header('content-type', 'application/json; charset=utf-8')
      .send(route.response.json.toJson(route.response.binary.decode(res)));
  };

  const streaming = async (
    route: Route,
    client: GrpcClient,
    req: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> => {
    const form = negotiate(route, req.headers.accept);
    if (!form) throw gatewayError(status.INVALID_ARGUMENT, `this route streams: accept ${STREAM_MEDIA_TYPES}`, 406);
    const bytes = encodeRequest(route, req.body);
    // an event stream lasts until the caller leaves or its own timeout passes
    const deadline = deadlineOf(req, route.events ? undefined : cfg.requestTimeoutMs * 6);
    const call = client.call(route.grpcPath, bytes, callOptions(req, deadline));
    reply.hijack();
    const started = process.hrtime.bigint();
    const outcome = await pipeStream(route, call, reply.raw, form, route.events, (err) => {
      reply.raw.writeHead(err.httpStatus, { 'content-type': 'application/json; charset=utf-8' });
      reply.raw.end(JSON.stringify(err.body));
    });
    metrics.observe(route.path, outcome.httpStatus, started);
    log.info(
      {
        method: req.method,
        url: req.url,
        status: outcome.httpStatus,
        messages: outcome.count,
        ms: Number(process.hrtime.bigint() - started) / 1e6,
        ...(req.fleetTarget ? { node: req.fleetTarget.nodes } : {}),
        ...(outcome.error ? { err: outcome.error.message } : {}),
      },
      'request',
    );
  };

  /** One call to several nodes at once, a line per node (a dump's: per message) as each answers. */
  const fanOutCall = async (
    route: Route,
    nodes: FanOutNode[],
    req: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> => {
    const bytes = encodeRequest(route, req.body);
    // each node's call has the deadline a call to it alone would have
    const deadline = deadlineOf(req, route.streaming ? cfg.requestTimeoutMs * 6 : cfg.requestTimeoutMs);
    const mediaType = ndjsonTypeIn(mediaTypesIn(req.headers.accept)) ?? NDJSON_MEDIA_TYPE;
    reply.hijack();
    const started = process.hrtime.bigint();
    const outcome = await fanOut(route, nodes, bytes, callOptions(req, deadline), reply.raw, mediaType);
    const httpStatus = outcome.cancelled ? 499 : 200;
    metrics.observe(route.path, httpStatus, started);
    log.info(
      {
        method: req.method,
        url: req.url,
        status: httpStatus,
        node: req.fleetTarget?.nodes,
        replies: outcome.replies,
        errors: outcome.errors,
        ms: Number(process.hrtime.bigint() - started) / 1e6,
      },
      'request',
    );
  };

  const call = async (route: Route, req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const d = destinationOf(req, kindOf(route));
    if (d.kind === 'fan-out') return fanOutCall(route, d.nodes, req, reply);
    return route.streaming ? streaming(route, d.client, req, reply) : unary(route, d.client, req, reply);
  };

  const endpoints = new Map<string, ApiEndpoint<Route>>();
  for (const route of routes) {
    paths.set(route.path, route.verb);
    endpoints.set(route.path, { path: route.path, rpc: route, streaming: route.streaming });
  }
  // a request of a path no RPC has is answered as an unmatched one
  const unmatched = (req: FastifyRequest): boolean => req.is404 || (isApiRoute(req) && req.apiEndpoint === null);

  decorateApiRequests(app);
  decorateFleetRequests(app);
  registerApiFamily(app, {
    suffix: 'request',
    endpoints,
    hooksFor: (e) => guards.hooksFor(e.rpc),
    handle: (e, req, reply) => call(e.rpc, req, reply),
    notFound,
  });

  const clientOf = (req: FastifyRequest): GrpcClient => {
    const d = destinationOf(req, 'batch');
    // the router refuses a batch to several nodes
    if (d.kind === 'fan-out') throw new Error('a batch goes to one node');
    return d.client;
  };
  const batch = { routes, clientOf, guards, metrics, log, bodyLimit: cfg.bodyLimit, notFound };
  for (const [path, verb] of registerBatchRoutes(app, batch)) paths.set(path, verb);

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const r = fleet ? fleet.readiness() : await checkReady(single!);
    return reply.code(r.ready ? 200 : 503).send(r);
  });
  if (fleet) registerFleetRoutes(app, fleet.directory, guards.hooksFor(undefined));
  registerDocs(app, cfg.openapiDir, log, routes.length, {
    bearer: guards.bearer,
    ...(fleet ? { fleet: () => ({ nodes: fleet.directory.names(), defaultNode: cfg.defaultNode }) } : {}),
  });

  // a callback hook, and Fastify's own clock: no promise and no extra tick per request
  app.addHook('onResponse', (req, reply, done) => {
    // streaming routes observe and log themselves, with their message counts
    const endpoint = req.apiEndpoint;
    const config = reply.routeOptions.config as { route?: string; streaming?: boolean };
    if (endpoint ? endpoint.streaming : config.streaming) return done();
    if (req.fleetTarget?.fanOut) return done();
    const ms = reply.elapsedTime;
    const route =
      endpoint?.path ??
      config.route ??
      (reply.statusCode === 404 || isApiRoute(req) ? 'unmatched' : (req.routeOptions.url ?? 'unmatched'));
    metrics.observeMs(route, reply.statusCode, ms);
    if (log.isLevelEnabled('info'))
      log.info(
        {
          method: req.method,
          url: req.url,
          status: reply.statusCode,
          ms,
          ...(req.fleetTarget ? { node: req.fleetTarget.nodes } : {}),
        },
        'request',
      );
    done();
  });

  app.setNotFoundHandler(notFound);

  app.setErrorHandler((error: Error & { code?: string; statusCode?: number }, req, reply) => {
    // a client still sending its body must be able to read this answer
    lingerOnEarlyClose(req.raw);
    if (error instanceof GatewayError) return sendError(reply, error);
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendError(
          reply,
          gatewayError(status.RESOURCE_EXHAUSTED, `the body is larger than ${cfg.bodyLimit} bytes`, 413),
        );
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        // no such route: say so, whatever the body's type (the root scope parses JSON only)
        if (unmatched(req)) return notFound(req, reply);
        return sendError(
          reply,
          gatewayError(
            status.INVALID_ARGUMENT,
            `content type ${req.headers['content-type']} is not supported: send application/json`,
            415,
          ),
        );
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return sendError(
          reply,
          gatewayError(status.INVALID_ARGUMENT, 'the body does not match its Content-Length', 400),
        );
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500)
      return sendError(reply, gatewayError(status.INVALID_ARGUMENT, error.message, error.statusCode));
    log.error({ err: error.message, url: req.url }, 'unexpected error');
    sendError(reply, gatewayError(status.INTERNAL, 'internal error in the gateway', 500));
  });

  const { host, port } = parseHostPort(cfg.listen, '--listen');
  await app.listen({ host, port });
  // the connection's state is known, and shown, before the first request (a fleet's nodes are dialled already)
  single?.connect();
  const address = app.server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const metricsEndpoint = await startMetrics(metrics.registry, cfg.metricsListen);
  announceReady(
    log,
    {
      rest: formatHostPort(host, boundPort),
      metrics: metricsEndpoint.address,
      ...(fleet ? { nodes: fleet.directory.names() } : { grpc: cfg.grpcTarget }),
      ...(cfg.etcd ? { etcd: cfg.etcd } : {}),
      ...(cfg.defaultNode ? { defaultNode: cfg.defaultNode } : {}),
      routes: routes.length,
      tls: Boolean(tls),
      ...guards.summary,
    },
    'REST gateway listening',
  );
  return {
    port: boundPort,
    metricsPort: metricsEndpoint.port,
    routes,
    async close() {
      // event streams last until their callers leave: end them, or closing waits for ever
      endEventStreams('the gateway is shutting down; events may have been missed: subscribe again');
      await app.close();
      single?.close();
      fleet?.close();
      guards.close();
      await metricsEndpoint.close();
    },
  };
}
