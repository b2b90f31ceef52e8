/**
 * The REST gateway: one route per google.api.http rule, JSON in and out,
 * streams as arrays, NDJSON or SSE, over one gRPC channel to the server.
 */
import { readFileSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import { Metadata, status, type Client } from '@grpc/grpc-js';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { announcer, type Logger } from '../lib/log.ts';
import { boundPortOf, formatHostPort, parseHostPort } from '../lib/listen.ts';
import { JsonError, loadServiceRoot } from '../lib/protobuf/index.ts';
import type { GatewayConfig } from './config.ts';
import { clientErrorHandler, frameworkErrors } from './client-errors.ts';
import { registerDocs } from './docs.ts';
import { badRequest, fromServiceError, gatewayError, GatewayError } from './errors.ts';
import { grpcClient, passBytes } from './grpc-channel.ts';
import { checkReady } from './readiness.ts';
import { GatewayMetrics, serveMetrics } from './metrics.ts';
import { compileRoutes, type Route } from './routes.ts';
import { endEventStreams, negotiate, pipeStream } from './streams.ts';
import { requestTimeoutMs, TimeoutSyntaxError } from './timeout.ts';

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

/** The request body as a JSON object: no body is `{}`. */
function parseJson(body: unknown): unknown {
  if (body === undefined || body === null || (typeof body === 'string' && body.trim() === '')) return {};
  try {
    return JSON.parse(body as string);
  } catch (e) {
    throw badRequest('', `the body is not valid JSON: ${(e as Error).message}`);
  }
}

function encodeRequest(route: Route, body: unknown): Buffer {
  try {
    return Buffer.from(route.request.binary.encode(route.request.json.fromJson(parseJson(body))));
  } catch (e) {
    if (e instanceof GatewayError) throw e;
    if (e instanceof JsonError) throw badRequest(e.path, e.reason);
    throw badRequest('', (e as Error).message);
  }
}

function callMetadata(req: FastifyRequest): Metadata {
  const md = new Metadata();
  const auth = req.headers.authorization;
  if (auth) md.set('authorization', auth);
  return md;
}

function deadlineOf(req: FastifyRequest, fallbackMs: number | undefined): number | undefined {
  let ms: number | undefined;
  try {
    ms = requestTimeoutMs(
      req.headers['grpc-timeout'] as string | undefined,
      (req.query as Record<string, string>)?.timeout,
    );
  } catch (e) {
    if (e instanceof TimeoutSyntaxError) throw badRequest('timeout', e.message);
    throw e;
  }
  ms ??= fallbackMs;
  return ms === undefined ? undefined : Date.now() + ms;
}

export async function startGateway(cfg: GatewayConfig, log: Logger): Promise<RunningGateway> {
  const root = loadServiceRoot(cfg.protoDir);
  const routes = compileRoutes(root);
  const client: Client = grpcClient(cfg);
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

  const unary = (route: Route) => async (req: FastifyRequest, reply: FastifyReply) => {
    const bytes = encodeRequest(route, req.body);
    const deadline = deadlineOf(req, cfg.requestTimeoutMs);
    const res = await new Promise<Buffer>((resolve, reject) =>
      client.makeUnaryRequest(
        route.grpcPath,
        passBytes,
        passBytes,
        bytes,
        callMetadata(req),
        deadline ? { deadline } : {},
        (err, v) => (err ? reject(fromServiceError(err)) : resolve(v!)),
      ),
    );
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
    const call = client.makeServerStreamRequest(
      route.grpcPath,
      passBytes,
      passBytes,
      bytes,
      callMetadata(req),
      deadline ? { deadline } : {},
    );
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
      config: { route: route.path },
    });
  }

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const r = await checkReady(client);
    return reply.code(r.ready ? 200 : 503).send(r);
  });
  registerDocs(app, cfg.openapiDir, log, routes.length);

  app.addHook('onRequest', async (req) => {
    (req as FastifyRequest & { startedAt: bigint }).startedAt = process.hrtime.bigint();
  });
  app.addHook('onResponse', async (req, reply) => {
    const started = (req as FastifyRequest & { startedAt: bigint }).startedAt;
    const route =
      (reply.routeOptions.config as { route?: string })?.route ??
      (reply.statusCode === 404 ? 'unmatched' : (req.routeOptions.url ?? 'unmatched'));
    metrics.observe(route, reply.statusCode, started);
    if (log.isLevelEnabled('info'))
      log.info(
        {
          method: req.method,
          url: req.url,
          status: reply.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'request',
      );
  });

  app.setNotFoundHandler((req, reply) => {
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
  });

  app.setErrorHandler((error: Error & { code?: string; statusCode?: number }, req, reply) => {
    if (error instanceof GatewayError) return sendError(reply, error);
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendError(
          reply,
          gatewayError(status.RESOURCE_EXHAUSTED, `the body is larger than ${cfg.bodyLimit} bytes`, 413),
        );
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
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
  let metricsServer: HttpServer | undefined;
  if (cfg.metricsListen) {
    const m = parseHostPort(cfg.metricsListen, '--metrics-listen');
    metricsServer = await serveMetrics(metrics.registry, m.host, m.port);
  }
  const metricsPort = boundPortOf(metricsServer);
  const metricsText =
    metricsPort === undefined ? 'off' : formatHostPort(parseHostPort(cfg.metricsListen, '').host, metricsPort);
  announcer(log).info(
    {
      rest: formatHostPort(host, boundPort),
      metrics: metricsText,
      grpc: cfg.grpcTarget,
      routes: routes.length,
      tls: Boolean(tls),
    },
    'REST gateway listening',
  );
  return {
    port: boundPort,
    metricsPort,
    routes,
    async close() {
      // event streams last until their callers leave: end them, or closing waits for ever
      endEventStreams('the gateway is shutting down; events may have been missed: subscribe again');
      await app.close();
      client.close();
      await new Promise<void>((resolve) => (metricsServer ? metricsServer.close(() => resolve()) : resolve()));
    },
  };
}
