/**
 * The batch routes: `POST /{Service}/{Rpc}/batch` for every unary RPC (each
 * item the unary route's body) and `POST /batch` for items of any RPCs. An
 * NDJSON body streams in and its answers stream out, a line per item; a JSON
 * array body (at most --body-limit bytes) gets a JSON array. Errors known
 * before the first item (content type, options, auth, the policy of the single
 * RPC) are 4xx as on any route; after that the status is 200 and each item
 * carries its own error.
 */
import { status } from '../../lib/grpc/status.ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../lib/log.ts';
import { shortService } from '../../lib/policy.ts';
import { arraySource, ndjsonSource, runBatch, type AnswerFormat } from './stream.ts';
import { JSON_MEDIA_TYPE, NDJSON_MEDIA_TYPE, type NdjsonMediaType } from '../../lib/wire-names.ts';
import { mediaTypesIn, ndjsonTypeIn, NDJSON_NAMES } from '../media-types.ts';
import { registerApiFamily, type ApiEndpoint } from '../api-routes.ts';
import { batchRpc, mixedItems, Parsed, rpcsByName, singleRpcItems, type BatchRpc, type ItemParser } from './items.ts';
import type { BatchOptions } from './wire.ts';
import { callOptions, deadlineOf } from '../call-options.ts';
import { badRequest, gatewayError } from '../errors.ts';
import type { GrpcClient } from '../grpc/client.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { Route } from '../routes.ts';
import type { GatewayGuards } from '../security/guards.ts';

export const MIXED_BATCH_PATH = '/batch';

/** `/Ip/IpRouteAddDel/batch` */
export function batchPath(route: Route): string {
  return `/${shortService(route.service)}/${route.method}/batch`;
}

/** The routes that have a batch route: the unary ones. */
export function batchable(routes: Route[]): Route[] {
  return routes.filter((r) => !r.streaming);
}

/** A body's form by its Content-Type: NDJSON under either name, or when none is given; a JSON array. */
function bodyForm(contentType: string | undefined): 'ndjson' | 'array' | undefined {
  const types = mediaTypesIn(contentType);
  if (types.length === 0 || ndjsonTypeIn(types)) return 'ndjson';
  if (types[0] === JSON_MEDIA_TYPE) return 'array';
  return undefined;
}

/** NDJSON answers go out under the name the client used: in Accept, else in Content-Type; else the first. */
function answerType(req: FastifyRequest): NdjsonMediaType {
  return (
    ndjsonTypeIn(mediaTypesIn(req.headers.accept)) ??
    ndjsonTypeIn(mediaTypesIn(req.headers['content-type'])) ??
    NDJSON_MEDIA_TYPE
  );
}

function flag(value: unknown, name: string): boolean {
  if (value === undefined || value === 'false' || value === '0') return false;
  if (value === '' || value === 'true' || value === '1') return true;
  throw badRequest(name, `expected true or false, got ${JSON.stringify(value)}`);
}

export function batchOptions(query: Record<string, unknown>): BatchOptions {
  const w = query.window;
  let window = 0;
  if (w !== undefined) {
    if (typeof w !== 'string' || !/^\d{1,10}$/.test(w) || Number(w) > 0xffffffff)
      throw badRequest('window', `expected a number of requests in flight, got ${JSON.stringify(w)}`);
    window = Number(w);
  }
  return { stopOnError: flag(query.stop_on_error, 'stop_on_error'), window };
}

export interface BatchDeps {
  routes: Route[];
  /** the client of the server the request goes to; throws the error it is answered with when there is none */
  clientOf(req: FastifyRequest): GrpcClient;
  guards: GatewayGuards;
  metrics: GatewayMetrics;
  log: Logger;
  /** the longest NDJSON line and the largest JSON array body */
  bodyLimit: number;
  /** answers a path no route has */
  notFound(req: FastifyRequest, reply: FastifyReply): void;
}

/** Register the batch routes (in a scope of their own: only they take NDJSON); returns path → verb. */
export function registerBatchRoutes(app: FastifyInstance, deps: BatchDeps): Map<string, string> {
  const { guards, metrics, log } = deps;
  const unary = batchable(deps.routes);
  const rpcs = unary.map((r) => batchRpc(r, guards.refusalOf(r)));

  const handle = async (
    path: string,
    parse: ItemParser,
    wrapped: boolean,
    req: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> => {
    const client = deps.clientOf(req);
    const form = bodyForm(req.headers['content-type']);
    if (!form)
      throw gatewayError(
        status.INVALID_ARGUMENT,
        `content type ${req.headers['content-type']} is not supported: send ${NDJSON_NAMES} (a request per line) or ${JSON_MEDIA_TYPE} (an array)`,
        415,
      );
    const options = batchOptions((req.query ?? {}) as Record<string, unknown>);
    // a batch lasts as long as its body: no deadline unless the caller sets one
    const deadline = deadlineOf(req, undefined);
    let source;
    if (form === 'array') {
      const text = typeof req.body === 'string' ? req.body.trim() : '';
      let values: unknown = [];
      if (text !== '') {
        try {
          values = JSON.parse(text);
        } catch (e) {
          throw badRequest('', `the body is not valid JSON: ${(e as Error).message}`);
        }
      }
      if (!Array.isArray(values))
        throw badRequest('', 'a JSON batch is an array of items; send NDJSON for large batches');
      source = arraySource(values.map((v) => new Parsed(v)));
    } else source = ndjsonSource(req.raw, deps.bodyLimit);
    reply.hijack();
    const started = process.hrtime.bigint();
    const format: AnswerFormat = { array: form === 'array', wrapped, ndjsonType: answerType(req) };
    const outcome = await runBatch(
      { client, callOptions: callOptions(req, deadline), options, parse, format },
      source,
      reply.raw,
    );
    const httpStatus = outcome.cancelled ? 499 : 200;
    metrics.observe(path, httpStatus, started);
    log.info(
      {
        method: req.method,
        url: req.url,
        status: httpStatus,
        items: outcome.items,
        errors: outcome.errors,
        ms: Number(process.hrtime.bigint() - started) / 1e6,
        ...(req.fleetTarget ? { node: req.fleetTarget.nodes } : {}),
        ...(outcome.failure ? { err: outcome.failure.message } : {}),
      },
      'request',
    );
  };

  const paths = new Map<string, string>();
  const endpoints = new Map<string, ApiEndpoint<BatchRpc>>();
  for (const rpc of rpcs) {
    const path = batchPath(rpc.route);
    paths.set(path, 'POST');
    endpoints.set(path, { path, rpc, streaming: true });
  }
  paths.set(MIXED_BATCH_PATH, 'POST');
  // each RPC's item parser is made at its first batch
  const parsers = new Map<BatchRpc, ItemParser>();
  const parserOf = (rpc: BatchRpc): ItemParser => {
    let parse = parsers.get(rpc);
    if (!parse) parsers.set(rpc, (parse = singleRpcItems(rpc)));
    return parse;
  };
  const mixed = mixedItems(rpcsByName(rpcs));

  void app.register(async (scope) => {
    // the NDJSON body stays a stream for the handler; JSON arrays use the gateway's JSON parser (and its size cap)
    scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    registerApiFamily(scope, {
      suffix: 'batch',
      endpoints,
      hooksFor: (e) => guards.hooksFor(e.rpc.route, true),
      handle: (e, req, reply) => handle(e.path, parserOf(e.rpc), false, req, reply),
      notFound: deps.notFound,
    });
    scope.post(MIXED_BATCH_PATH, {
      handler: (req, reply) => handle(MIXED_BATCH_PATH, mixed, true, req, reply),
      onRequest: guards.hooksFor(undefined, true),
      config: { route: MIXED_BATCH_PATH, streaming: true },
    });
  });
  return paths;
}
