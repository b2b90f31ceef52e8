/**
 * Requests per second per client, as token buckets: each client may make
 * `burst` requests at once, then `rate` per second. A refused request gets 429
 * with Retry-After (whole seconds until the next token).
 */
import { status } from '../../lib/grpc/status.ts';
import type { onRequestHookHandler } from 'fastify';
import { clientKey } from './client-key.ts';
import { gatewayError } from '../errors.ts';

interface Bucket {
  tokens: number;
  /** ms, performance.now() */
  at: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly rate: number,
    readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** 0 when `key` may make a request now (and it is counted), else the seconds until it may. */
  take(key: string): number {
    const t = this.now();
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: this.burst, at: t };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.rate);
      b.at = t;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.rate));
  }

  /** Forgets the clients whose buckets have filled up again: they are as good as new. */
  sweep(): void {
    const t = this.now();
    for (const [key, b] of this.buckets)
      if (b.tokens + ((t - b.at) / 1000) * this.rate >= this.burst) this.buckets.delete(key);
  }

  get clients(): number {
    return this.buckets.size;
  }
}

export function rateLimitHook(buckets: TokenBuckets): onRequestHookHandler {
  return (req, reply, done) => {
    const wait = buckets.take(clientKey(req.ip));
    if (wait === 0) return done();
    void reply.header('retry-after', String(wait));
    done(
      gatewayError(
        status.RESOURCE_EXHAUSTED,
        `too many requests from this address: ${buckets.rate} per second, ${buckets.burst} at once; retry in ${wait} s`,
        429,
      ),
    );
  };
}
