/** Open streams (dumps, NDJSON, Server-Sent Events) per client IP: past the limit, 429 before the call starts. */
import { status } from '../../lib/grpc/status.ts';
import type { onRequestHookHandler } from 'fastify';
import type { Slots } from '../../lib/slots.ts';
import { clientKey } from './client-key.ts';
import { gatewayError } from '../errors.ts';

export function streamLimitHook(slots: Slots): onRequestHookHandler {
  return (req, reply, done) => {
    const key = clientKey(req.ip);
    if (!slots.take(key))
      return done(
        gatewayError(
          status.RESOURCE_EXHAUSTED,
          `this address has ${slots.max} streams open already (--max-streams-per-client): end one first`,
          429,
        ),
      );
    // the response closes when the stream ends, fails, or the client leaves
    reply.raw.once('close', () => slots.release(key));
    done();
  };
}
