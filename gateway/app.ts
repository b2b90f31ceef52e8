/**
 * The REST gateway: one route per google.api.http rule, JSON in and out,
 * streams as arrays, NDJSON or SSE, over one gRPC channel to the server.
 */
import { readFileSync } from 'node:fs';
import { status } from '@grpc/grpc-js';
import Fastify, { errorCodes, type FastifyReply, type FastifyRequest } from 'fastify';
import { announceReady, type Logger } from '../lib/log.ts';
import { formatHostPort, parseHostPort } from '../lib/listen.ts';
import { startMetrics } from '../lib/metrics-http.ts';
import { loadServices } from '../lib/protobuf/index.ts';
import type { GatewayConfig } from './config.ts';
import { clientErrorHandler, frameworkErrors } from './client-errors.ts';
import { registerDocs } from './docs.ts';
import { fromCallError, gatewayError, GatewayError } from './errors.ts';
import { encodeRequest } from './request-body.ts';
import { callOptions, deadlineOf } from './call-options.ts';
import { registerBatchRoutes } from './batch-routes.ts';
import { grpcClient } from './grpc-channel.ts';
import { GrpcCallError } from './grpc-client.ts';
import { checkReady } from './readiness.ts';
import { GatewayMetrics } from './metrics.ts';
import { compileRoutes, type Route } from './routes.ts';
import { gatewayGuards } from './security.ts';
import { endEventStreams, negotiate, pipeStream } from './streams.ts';

export interface RunningGateway {
  port: number;
  metricsPort: number | undefined;
  routes: Route[];
  close(): Promise<void>;
}

const JSON_TYPES = ['application/json', 'text/plain', 'application/x-www-form-urlencoded'];

function sendError(reply: FastifyReply, err: GatewayError): void {
  void reply
    .code(err.httpStatus)
    .header('content-type', 'application/json; charset=utf-8')
    .send(JSON.stringify(err.body));
}

export async function startGateway(cfg: GatewayConfig, log: Logger): Promise<RunningGateway> {
  const routes = compileRoutes(loadServices(cfg.protoDir));
  const guards = gatewayGuards(cfg, routes, log);
  const client = grpcClient(cfg);
  const metrics = new GatewayMetrics();
  const tls =
    cfg.tlsCert && cfg.tlsKey ? { cert: readFileSync(cfg.tlsCert), key: readFileSync(cfg.tlsKey) } : undefined;
  const app = Fastify({
    logger: false,
    bodyLimit: cfg.bodyLimit,
    ...(tls ? { https: tls } : {}),
    keepAliveTimeout: 65_000,
    return503OnClosing: true,
    clientErrorHandler,
    frameworkErrors,
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(JSON_TYPES, { parseAs: 'string' }, (_req, body, done) => done(null, body));
  // no body is `{}` whatever the content type says (grpc-gateway does the same; `hey -m POST` sends
  // text/html); a body of another type is refused as Fastify refuses a type it has no parser for
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body: Buffer, done) =>
    body.length === 0 ? done(null, undefined) : done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE()),
  );

  const unary = (route: Route) => async (req: FastifyRequest, reply: FastifyReply) => {
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

  const streaming = (route: Route) => async (req: FastifyRequest, reply: FastifyReply) => {
    const mode = negotiate(route, req.headers.accept);
    if (!mode)
      throw gatewayError(
        status.INVALID_ARGUMENT,
        'this route streams: accept application/json, application/x-ndjson or text/event-stream',
        406,
      );
    const bytes = encodeRequest(route, req.body);
    // an event stream lasts until the caller leaves or its own timeout passes
    const deadline = deadlineOf(req, route.events ? undefined : cfg.requestTimeoutMs * 6);
    const call = client.call(route.grpcPath, bytes, callOptions(req, deadline));
    reply.hijack();
    const started = process.hrtime.bigint();
    const outcome = await pipeStream(route, call, reply.raw, mode, route.events, (err) => {
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
        ...(outcome.error ? { err: outcome.error.message } : {}),
      },
      'request',
    );
  };

  const paths = new Map<string, string>();
  for (const route of routes) {
    paths.set(route.path, route.verb);
    app.route({
      method: route.verb,
      url: route.path,
      handler: route.streaming ? streaming(route) : unary(route),
      onRequest: guards.hooksFor(route),
      config: { route: route.path, streaming: route.streaming },
    });
  }

  const batch = { routes, client, guards, metrics, log, bodyLimit: cfg.bodyLimit };
  for (const [path, verb] of registerBatchRoutes(app, batch)) paths.set(path, verb);

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const r = await checkReady(client);
    return reply.code(r.ready ? 200 : 503).send(r);
  });
  registerDocs(app, cfg.openapiDir, log, routes.length, { bearer: guards.bearer });

  // a callback hook, and Fastify's own clock: no promise and no extra tick per request
  app.addHook('onResponse', (req, reply, done) => {
    // streaming routes observe and log themselves, with their message counts
    if ((reply.routeOptions.config as { streaming?: boolean })?.streaming) return done();
    const ms = reply.elapsedTime;
    const route =
      (reply.routeOptions.config as { route?: string })?.route ??
      (reply.statusCode === 404 ? 'unmatched' : (req.routeOptions.url ?? 'unmatched'));
    metrics.observeMs(route, reply.statusCode, ms);
    if (log.isLevelEnabled('info'))
      log.info({ method: req.method, url: req.url, status: reply.statusCode, ms }, 'request');
    done();
  });

  const notFound = (req: FastifyRequest, reply: FastifyReply): void => {
    const path = req.url.split('?')[0]!;
    const verb = paths.get(path);
    if (verb) {
      void reply.header('allow', verb);
      return sendError(reply, gatewayError(status.UNIMPLEMENTED, `${path} takes ${verb}, not ${req.method}`, 405));
    }
    sendError(
      reply,
      gatewayError(status.NOT_FOUND, `no route ${req.method} ${path}: see /openapi.json for the routes`, 404),
    );
  };
  app.setNotFoundHandler(notFound);

  app.setErrorHandler((error: Error & { code?: string; statusCode?: number }, req, reply) => {
    if (error instanceof GatewayError) return sendError(reply, error);
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendError(
          reply,
          gatewayError(status.RESOURCE_EXHAUSTED, `the body is larger than ${cfg.bodyLimit} bytes`, 413),
        );
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        // no such route: say so, whatever the body's type (the root scope parses JSON only)
        if (req.is404) return notFound(req, reply);
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
  const address = app.server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const metricsEndpoint = await startMetrics(metrics.registry, cfg.metricsListen);
  announceReady(
    log,
    {
      rest: formatHostPort(host, boundPort),
      metrics: metricsEndpoint.address,
      grpc: cfg.grpcTarget,
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
      client.close();
      guards.close();
      await metricsEndpoint.close();
    },
  };
}
