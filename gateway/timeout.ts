/**
 * How long a call may take: the `Grpc-Timeout` header (gRPC's format, as
 * grpc-gateway honours it) or `?timeout=` (`500ms`, `2s`, `1m`, or milliseconds).
 */
const GRPC_UNITS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };
const QUERY_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, '': 1 };

export class TimeoutSyntaxError extends Error {}

/** Milliseconds, or undefined when neither is given. Throws TimeoutSyntaxError on bad text. */
export function requestTimeoutMs(header: string | undefined, query: string | undefined): number | undefined {
  if (query !== undefined && query !== '') {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|)$/.exec(query.trim());
    if (!m) throw new TimeoutSyntaxError(`timeout: expected a duration like 500ms, 2s or 1m, got "${query}"`);
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
