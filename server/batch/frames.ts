/**
 * Many gRPC messages of a server stream in one HTTP/2 write.
 *
 * grpc-js writes a call's messages one at a time, each once the previous
 * write has completed: a batch answering tens of thousands of items a second
 * spent most of its CPU in those per-message writes (Node's HTTP/2 stream,
 * nghttp2, writev), not in its own work. A FrameWriter reaches the HTTP/2
 * stream under the call (grpc-js 1.x: ServerInterceptingCall.nextCall, …,
 * BaseServerInterceptingCall.stream) and writes length-prefixed messages to
 * it directly, once the response headers are out, so that the trailers
 * grpc-js sends at the end still follow every message. Where those internals
 * are not found, the caller writes through grpc-js as before.
 */
import type { Http2Stream } from 'node:http2';
import { Metadata, type ServerDuplexStream } from '@grpc/grpc-js';
import { encodeFrames } from '../../lib/grpc/wire.ts';

/** The grpc-js object that owns the HTTP/2 stream; only what is used here. */
interface BaseCall {
  stream: Http2Stream;
  metadataSent: boolean;
}

export interface FrameWriter {
  /** the response headers are out and the stream takes data: write() may be used */
  ready(): boolean;
  /** writes the messages, each framed, in one write; false when the stream wants a 'drain' first */
  write(messages: Buffer[]): boolean;
  onceDrain(fn: () => void): void;
}

function baseOf(call: object): BaseCall | undefined {
  let c = (call as { call?: unknown }).call;
  for (let depth = 0; c && typeof c === 'object' && depth < 32; depth++) {
    const s = (c as { stream?: unknown }).stream;
    if (s && typeof (s as Http2Stream).write === 'function' && 'metadataSent' in c) return c as BaseCall;
    c = (c as { nextCall?: unknown }).nextCall;
  }
  return undefined;
}

export function frameWriter(call: ServerDuplexStream<Buffer, Buffer>): FrameWriter | undefined {
  const base = baseOf(call);
  if (!base) return undefined;
  return {
    ready() {
      if (!base.metadataSent) call.sendMetadata(new Metadata());
      return base.metadataSent && !base.stream.destroyed && !base.stream.writableEnded;
    },
    write(messages) {
      return base.stream.write(encodeFrames(messages));
    },
    onceDrain(fn) {
      base.stream.once('drain', fn);
    },
  };
}
