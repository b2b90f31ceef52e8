/** The errors of the etcd client: each says what failed and where (endpoint, key). */

export interface EtcdErrorDetails {
  /** the gRPC status code etcd or the connection gave, when there was one */
  code?: number;
  /** the member (`host:port`) that answered or failed */
  endpoint?: string;
  /** the key or prefix the request was about */
  key?: string;
  /**
   * A write (put, delete, txn, lease grant) whose connection broke or timed out
   * after it was sent: etcd may or may not have applied it. The client does not
   * retry such a write (it could apply twice); the caller decides, e.g. by
   * reading the key back.
   */
  outcomeUnknown?: boolean;
}

export class EtcdError extends Error {
  readonly code?: number;
  readonly endpoint?: string;
  readonly key?: string;
  readonly outcomeUnknown: boolean;

  constructor(message: string, details: EtcdErrorDetails = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EtcdError';
    this.code = details.code;
    this.endpoint = details.endpoint;
    this.key = details.key;
    this.outcomeUnknown = details.outcomeUnknown ?? false;
  }
}

/** No member answered within the request's time: `etcd is unreachable at a:1, b:2: <last error>`. */
export class EtcdUnavailableError extends EtcdError {
  constructor(endpoints: readonly string[], lastError: string, details: EtcdErrorDetails = {}) {
    super(`etcd is unreachable at ${endpoints.join(', ')}: ${lastError}`, details);
    this.name = 'EtcdUnavailableError';
  }
}

/**
 * A watch cannot resume: etcd compacted its history past the revision the
 * watch needs. The watch has stopped; the caller re-reads and watches again
 * from the revision of that read.
 */
export class EtcdCompactedError extends EtcdError {
  /** the oldest revision etcd still has */
  readonly compactRevision: number;

  constructor(message: string, compactRevision: number, details: EtcdErrorDetails = {}) {
    super(message, details);
    this.name = 'EtcdCompactedError';
    this.compactRevision = compactRevision;
  }
}
