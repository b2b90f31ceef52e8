/**
 * The names the product puts on the wire and more than one part of it must
 * spell alike: its own gRPC services and paths, its metadata keys, the type
 * URLs of google.protobuf.Any, and the media types of the REST gateway.
 * Server, gateway, CLI, benchmarks and the OpenAPI generator import them
 * from here.
 */

/** vpprpc.Batch/Call: many request/reply RPCs on one bidi stream (api/vpprpc/batch.proto). */
export const BATCH_SERVICE = 'vpprpc.Batch';
export const BATCH_METHOD = 'Call';
export const BATCH_PATH = `/${BATCH_SERVICE}/${BATCH_METHOD}`;

/** gRPC's standard health service; its Check is what readiness asks. */
export const HEALTH_SERVICE = 'grpc.health.v1.Health';
export const HEALTH_CHECK_PATH = `/${HEALTH_SERVICE}/Check`;

/** Trailers of a health check that is not SERVING: the state of the server's VPP connection, and why. */
export const VPP_STATE_KEY = 'vpp-state';
export const VPP_REASON_KEY = 'vpp-reason';

/** gRPC's metadata key of a call's google.rpc.Status, details included. */
export const STATUS_DETAILS_KEY = 'grpc-status-details-bin';

/** The prefix of every type URL of a google.protobuf.Any the product writes: the type's full name follows. */
export const TYPE_URL_PREFIX = 'type.googleapis.com/';
export const ERROR_INFO_TYPE_URL = `${TYPE_URL_PREFIX}google.rpc.ErrorInfo` as const;
export const BAD_REQUEST_TYPE_URL = `${TYPE_URL_PREFIX}google.rpc.BadRequest` as const;

/** gRPC's own content type. */
export const GRPC_MEDIA_TYPE = 'application/grpc';
export const JSON_MEDIA_TYPE = 'application/json';
export const SSE_MEDIA_TYPE = 'text/event-stream';
/**
 * JSON values one per line: the gateway takes either name, in Content-Type
 * and in Accept, and answers with the one it was given; the first by default.
 */
export const NDJSON_MEDIA_TYPES = ['application/x-ndjson', 'application/ndjson'] as const;
export type NdjsonMediaType = (typeof NDJSON_MEDIA_TYPES)[number];
export const NDJSON_MEDIA_TYPE: NdjsonMediaType = NDJSON_MEDIA_TYPES[0];
