/**
 * gRPC's status codes, as the gRPC specification numbers them
 * (doc/statuscodes.md of grpc/grpc). Ours rather than grpc-js's: the gateway
 * speaks gRPC without grpc-js, and a file of grpc-js's build tree is no API
 * it promises to keep. The names and numbers are those grpc-js exports as
 * `status` (status.test.ts holds them to it), so either may be used.
 */
enum Status {
  OK = 0,
  CANCELLED = 1,
  UNKNOWN = 2,
  INVALID_ARGUMENT = 3,
  DEADLINE_EXCEEDED = 4,
  NOT_FOUND = 5,
  ALREADY_EXISTS = 6,
  PERMISSION_DENIED = 7,
  RESOURCE_EXHAUSTED = 8,
  FAILED_PRECONDITION = 9,
  ABORTED = 10,
  OUT_OF_RANGE = 11,
  UNIMPLEMENTED = 12,
  INTERNAL = 13,
  UNAVAILABLE = 14,
  DATA_LOSS = 15,
  UNAUTHENTICATED = 16,
}

export { Status as status };
