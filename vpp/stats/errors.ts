/** Errors of the stats reader; `code` is the gRPC status a caller should answer with. */
export type StatsErrorCode =
  | 'UNAVAILABLE' // no native part, no stats socket, VPP gone, or a segment that stays locked
  | 'INVALID_ARGUMENT' // a pattern that is not a regular expression
  | 'FAILED_PRECONDITION'; // a segment of another layout version

export class StatsError extends Error {
  constructor(
    readonly code: StatsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StatsError';
  }
}
