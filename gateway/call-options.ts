/** A call's options from its HTTP request: the deadline (`?timeout=`, `Grpc-Timeout`) and the bearer token. */
import type { FastifyRequest } from 'fastify';
import { badRequest } from './errors.ts';
import type { CallOptions } from './grpc/client.ts';
import { requestTimeoutMs, TimeoutSyntaxError } from './timeout.ts';

export function callOptions(req: FastifyRequest, deadline: number | undefined): CallOptions {
  return { deadline, authorization: req.headers.authorization };
}

export function deadlineOf(req: FastifyRequest, fallbackMs: number | undefined): number | undefined {
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
  // Infinity: a timeout longer than any timer is no deadline at all
  return ms === undefined || !Number.isFinite(ms) ? undefined : Date.now() + ms;
}
