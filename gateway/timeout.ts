/**
 * How long a call may take: the `Grpc-Timeout` header (gRPC's format, as
 * grpc-gateway honours it) or `?timeout=` (`500ms`, `2s`, `1m`, or milliseconds).
 */
const GRPC_UNITS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };
const QUERY_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, '': 1 };

/**
 * The longest wait a timer can time (about 24.8 days). grpc-js cannot send a
 * longer deadline (it throws, out of reach of the caller) nor take one (its
 * server wraps it into the past), so a longer timeout means no deadline.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class TimeoutSyntaxError extends Error {}

/**
 * Milliseconds (Infinity for no deadline), or undefined when neither is given.
 * Throws TimeoutSyntaxError on bad text and on a repeated `?timeout=`.
 */
export function requestTimeoutMs(header: string | undefined, query: unknown): number | undefined {
  const ms = parse(header, query);
  return ms !== undefined && ms > MAX_TIMER_MS ? Infinity : ms;
}

function parse(header: string | undefined, query: unknown): number | undefined {
  if (Array.isArray(query)) throw new TimeoutSyntaxError('give it once');
  if (typeof query === 'string' && query !== '') {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|)$/.exec(query.trim());
    if (!m) throw new TimeoutSyntaxError(`expected a duration like 500ms, 2s or 1m, got "${query}"`);
    return Number(m[1]) * QUERY_UNITS[m[2]!]!;
  }
  if (header !== undefined && header !== '') {
    const m = /^(\d{1,8})([HMSmun])$/.exec(header.trim());
    if (!m)
      throw new TimeoutSyntaxError(
        `Grpc-Timeout: expected up to 8 digits and a unit (H, M, S, m, u, n), got "${header}"`,
      );
    return Number(m[1]) * GRPC_UNITS[m[2]!]!;
  }
  return undefined;
}
