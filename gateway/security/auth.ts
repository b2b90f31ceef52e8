/**
 * Bearer tokens on REST: API routes need `Authorization: Bearer <token>`,
 * else 401 with `WWW-Authenticate: Bearer` (RFC 6750). Health and the
 * documentation stay open: the hook is only on API routes.
 */
import { status } from '../../lib/grpc/status.ts';
import type { onRequestHookHandler } from 'fastify';
import type { Logger } from '../../lib/log.ts';
import { bearerToken, type TokenCheck } from '../../lib/tokens.ts';
import { gatewayError } from '../errors.ts';

export function authHook(tokens: TokenCheck, log: Logger): onRequestHookHandler {
  return (req, reply, done) => {
    const header = req.headers.authorization;
    const token = bearerToken(header);
    if (token !== undefined && tokens.identify(token) !== undefined) return done();
    const missing = header === undefined;
    log.debug({ url: req.url, client: req.ip }, missing ? 'no token' : 'invalid token');
    void reply.header(
      'www-authenticate',
      missing ? 'Bearer realm="vpp-rpc"' : 'Bearer realm="vpp-rpc", error="invalid_token"',
    );
    done(
      gatewayError(
        status.UNAUTHENTICATED,
        missing ? 'authentication required: send "Authorization: Bearer <token>"' : 'the bearer token is not valid',
      ),
    );
  };
}
