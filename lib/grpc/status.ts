/**
 * gRPC's status codes: the very enum grpc-js exports as `status`, taken from
 * the one module of grpc-js that holds it. The gateway needs nothing else of
 * grpc-js, and loading all of it took ~70 ms of the gateway's start.
 */
export { Status as status } from '@grpc/grpc-js/build/src/constants.js';
