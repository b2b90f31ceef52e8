/**
 * The gateway's protections, assembled once at start: per API route, the
 * onRequest hooks it needs, in order — rate limit, bearer token, policy,
 * streams per client. A route with nothing on gets no hook at all; health,
 * readiness and the documentation are not API routes and stay open.
 */
import type { onRequestHookHandler } from 'fastify';
import type { Logger } from '../../lib/log.ts';
import type { Refusal } from '../../lib/policy.ts';
import { Slots } from '../../lib/slots.ts';
import { TokenFile } from '../../lib/tokens.ts';
import { authHook } from './auth.ts';
import type { GatewayConfig } from '../config.ts';
import { refusalHook, refusedRoutes } from './policy.ts';
import { rateLimitHook, TokenBuckets } from './rate-limit.ts';
import type { Route } from '../routes.ts';
import { streamLimitHook } from './stream-limit.ts';

export interface GatewayGuards {
  /**
   * The route's onRequest hooks, undefined when it needs none. A batch of the
   * route counts as a stream; a mixed batch (no route) is checked per item.
   */
  hooksFor(route: Route | undefined, batch?: boolean): onRequestHookHandler[] | undefined;
  /** why the policy refuses the route, if it does */
  refusalOf(route: Route): Refusal | undefined;
  /** bearer tokens are required (the OpenAPI document says so, for Swagger UI's Authorize) */
  bearer: boolean;
  /** what is on, for the start-up line */
  summary: Record<string, unknown>;
  close(): void;
}

const SWEEP_MS = 60_000;

export function gatewayGuards(cfg: GatewayConfig, routes: Route[], log: Logger): GatewayGuards {
  const tokens = cfg.authTokens ? new TokenFile(cfg.authTokens, log) : undefined;
  try {
    const refused = refusedRoutes(cfg, routes);
    const buckets =
      cfg.rateLimit > 0
        ? new TokenBuckets(cfg.rateLimit, cfg.rateBurst || Math.max(1, Math.ceil(cfg.rateLimit)))
        : undefined;
    const sweep = buckets && setInterval(() => buckets.sweep(), SWEEP_MS).unref();
    const rate = buckets && rateLimitHook(buckets);
    const auth = tokens && authHook(tokens, log);
    const streams = cfg.maxStreamsPerClient > 0 ? streamLimitHook(new Slots(cfg.maxStreamsPerClient)) : undefined;
    return {
      hooksFor(route, batch = false) {
        const refusal = route && refused.get(route);
        const stream = batch || route?.streaming;
        const hooks = [rate, auth, refusal && refusalHook(refusal), stream ? streams : undefined].filter(
          (h): h is onRequestHookHandler => h !== undefined,
        );
        return hooks.length > 0 ? hooks : undefined;
      },
      refusalOf: (route) => refused.get(route),
      bearer: Boolean(tokens),
      summary: {
        auth: tokens ? 'bearer' : 'off',
        refusedRoutes: refused.size,
        ...(cfg.readOnly ? { readOnly: true } : {}),
        ...(buckets ? { rateLimit: buckets.rate, rateBurst: buckets.burst } : {}),
        ...(streams ? { maxStreamsPerClient: cfg.maxStreamsPerClient } : {}),
      },
      close() {
        tokens?.close();
        clearInterval(sweep);
      },
    };
  } catch (e) {
    tokens?.close();
    throw e;
  }
}
