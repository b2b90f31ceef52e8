/** Retrying a connection that went away, and saying how long something took, alike in every process. */

/**
 * The wait before retry number `attempt` (0 for the first): `initialMs`, doubled at each
 * failed attempt up to `maxMs`, give or take 20% so that the many clients that lost the
 * same peer do not all come back in the same instant.
 */
export function backoffDelayMs(attempt: number, initialMs: number, maxMs: number): number {
  const base = Math.min(maxMs, initialMs * 2 ** attempt);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/** A duration for people: "2.3 s". */
export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
