/**
 * The product's own services (vpprpc.Stats, vpprpc.Journal) on the gRPC
 * server: each RPC of the service's proto (ownRpcTable) bound to a function,
 * observed like every VPP RPC, failures turned into statuses one way.
 */
import * as grpc from '@grpc/grpc-js';
import type { Value } from '../lib/protobuf/index.ts';
import type { CallObserver } from './handlers.ts';
import type { OwnRpc } from './rpcs.ts';
import type { RpcFailure } from './status.ts';

export interface OwnImplementation {
  /** request → reply */
  unary?: Record<string, (request: Value) => Promise<Value>>;
  /** request → messages written on the call until it returns (or the caller leaves: `signal`) */
  streams?: Record<
    string,
    (request: Value, call: grpc.ServerWritableStream<Buffer, Value>, signal: AbortSignal) => Promise<void>
  >;
  /** any error as the status to end the call with */
  failure(err: unknown): RpcFailure;
}

const identity = (b: Buffer): Buffer => b;

export function addOwnService(
  server: grpc.Server,
  rpcs: OwnRpc[],
  impl: OwnImplementation,
  observer: CallObserver,
): void {
  const def: Record<string, grpc.MethodDefinition<Buffer, Value>> = {};
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const rpc of rpcs) {
    def[rpc.method] = {
      path: rpc.path,
      requestStream: false,
      responseStream: rpc.responseStream,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: (v: Value) => rpc.response.encode(v),
      responseDeserialize: (b: Buffer) => rpc.response.decode(b),
      originalName: rpc.method,
    };
    const unary = impl.unary?.[rpc.method];
    const stream = impl.streams?.[rpc.method];
    if (unary && !rpc.responseStream) {
      handlers[rpc.method] = ((call, callback) => {
        const startedAt = process.hrtime.bigint();
        observer.start(rpc);
        Promise.resolve()
          .then(() => unary(rpc.request.decode(call.request)))
          .then(
            (reply) => {
              observer.end(rpc, grpc.status.OK, startedAt);
              callback(null, reply);
            },
            (err: unknown) => {
              const s = impl.failure(err);
              observer.end(rpc, s.code, startedAt, s);
              callback(s);
            },
          );
      }) as grpc.handleUnaryCall<Buffer, Value>;
    } else if (stream && rpc.responseStream) {
      handlers[rpc.method] = (async (call) => {
        const startedAt = process.hrtime.bigint();
        observer.start(rpc);
        const controller = new AbortController();
        call.once('cancelled', () => controller.abort());
        try {
          await stream(rpc.request.decode(call.request), call, controller.signal);
          if (controller.signal.aborted) observer.end(rpc, grpc.status.CANCELLED, startedAt);
          else {
            observer.end(rpc, grpc.status.OK, startedAt);
            call.end();
          }
        } catch (err) {
          if (controller.signal.aborted) {
            observer.end(rpc, grpc.status.CANCELLED, startedAt);
            return;
          }
          controller.abort();
          const s = impl.failure(err);
          observer.end(rpc, s.code, startedAt, s);
          call.emit('error', s);
        }
      }) as grpc.handleServerStreamingCall<Buffer, Value>;
    } else throw new Error(`${rpc.path}: no implementation of its ${rpc.responseStream ? 'stream' : 'call'}`);
  }
  server.addService(def as grpc.ServiceDefinition, handlers);
}
