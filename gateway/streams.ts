/**
 * A server-streaming call written to an HTTP response as it arrives, in one of
 * three forms: a JSON array (the default for dumps), NDJSON, or Server-Sent
 * Events (the default for event subscriptions). Headers wait for the first
 * message, so a call that fails at once still gets its proper HTTP status.
 */
import type { ServerResponse } from 'node:http';
import { status } from '../lib/grpc/status.ts';
import { fromCallError, gatewayError, type GatewayError } from './errors.ts';
import type { GrpcCall, GrpcCallError } from './grpc/client.ts';
import type { Route } from './routes.ts';
import { JSON_MEDIA_TYPE, SSE_MEDIA_TYPE } from '../lib/wire-names.ts';
import { mediaTypesIn, ndjsonTypeIn, NDJSON_NAMES, utf8 } from './media-types.ts';

export type StreamMode = 'array' | 'ndjson' | 'sse';

/** How a stream is written: the form, and the media type it is answered with. */
export interface StreamForm {
  mode: StreamMode;
  mediaType: string;
}

const ARRAY: StreamForm = { mode: 'array', mediaType: JSON_MEDIA_TYPE };
const SSE: StreamForm = { mode: 'sse', mediaType: SSE_MEDIA_TYPE };

/** What a streaming route answers with, for messages. */
export const STREAM_MEDIA_TYPES = `${JSON_MEDIA_TYPE}, ${NDJSON_NAMES} or ${SSE_MEDIA_TYPE}`;

/**
 * The form a caller asked for with Accept (NDJSON under the name it used);
 * undefined when it asked for nothing we write.
 */
export function negotiate(route: Route, accept: string | undefined): StreamForm | undefined {
  const types = mediaTypesIn(accept);
  if (types.includes(SSE_MEDIA_TYPE)) return SSE;
  const ndjson = ndjsonTypeIn(types);
  if (ndjson) return { mode: 'ndjson', mediaType: ndjson };
  if (types.includes(JSON_MEDIA_TYPE)) return ARRAY;
  if (types.length === 0 || types.includes('*/*') || types.includes('application/*')) return route.events ? SSE : ARRAY;
  return undefined;
}

/** The event streams open now; they never end by themselves, so shutting down ends them. */
const eventStreams = new Set<(err: GatewayError) => void>();

/** End every open event stream with UNAVAILABLE and `message`. */
export function endEventStreams(message: string): void {
  for (const end of [...eventStreams]) end(gatewayError(status.UNAVAILABLE, message));
}

export interface StreamOutcome {
  httpStatus: number;
  /** messages written */
  count: number;
  error?: GatewayError;
}

/** Pump `call` into `res`; resolves when the response is finished or abandoned. */
export function pipeStream(
  route: Route,
  call: GrpcCall,
  res: ServerResponse,
  form: StreamForm,
  /** an event stream's own end: its deadline passing is a normal end */
  endsByDeadline: boolean,
  sendError: (err: GatewayError) => void,
): Promise<StreamOutcome> {
  const { mode } = form;
  return new Promise((resolve) => {
    let started = false;
    let finished = false;
    let count = 0;
    const heartbeat = mode === 'sse' ? setInterval(() => res.write(': keepalive\n\n'), 15_000) : undefined;
    const finish = (outcome: StreamOutcome): void => {
      if (finished) return;
      finished = true;
      clearInterval(heartbeat);
      eventStreams.delete(end);
      resolve(outcome);
    };
    const fail = (err: GatewayError): void => {
      if (!started) {
        sendError(err);
        return finish({ httpStatus: err.httpStatus, count, error: err });
      }
      // the status line is gone: say it in the stream's own terms
      if (mode === 'ndjson') res.end(JSON.stringify({ error: err.body }) + '\n');
      else if (mode === 'sse') res.end(`event: error\ndata: ${JSON.stringify(err.body)}\n\n`);
      else res.destroy(); // a truncated chunked body: the client sees the transfer fail, not a short array
      finish({ httpStatus: 200, count, error: err });
    };
    const end = (err: GatewayError): void => {
      if (finished) return;
      fail(err);
      call.cancel();
    };
    if (route.events) eventStreams.add(end);
    const start = (): void => {
      if (started) return;
      started = true;
      res.writeHead(200, {
        'content-type': utf8(form.mediaType),
        'cache-control': 'no-cache',
        ...(mode === 'sse' ? { 'x-accel-buffering': 'no' } : {}),
      });
      if (mode === 'array') res.write('[');
      else if (mode === 'sse') res.write(': subscribed\n\n');
      // an NDJSON event stream has nothing to write yet: send the headers now, so that the watcher knows it is subscribed
      else if (route.events) res.flushHeaders();
    };
    // event streams answer with headers once the subscription is live
    if (route.events) call.on('metadata', start);
    call.on('data', (bytes: Buffer) => {
      start();
      const json = route.jsonLines
        ? String(Object.values(route.response.binary.decode(bytes))[0] ?? 'null')
        : route.response.json.toJson(route.response.binary.decode(bytes));
      const text =
        mode === 'array' ? (count === 0 ? json : ',' + json) : mode === 'ndjson' ? json + '\n' : `data: ${json}\n\n`;
      count++;
      if (!res.write(text)) {
        call.pause();
        res.once('drain', () => call.resume());
      }
    });
    call.on('end', () => {
      if (finished) return;
      start();
      res.end(mode === 'array' ? ']' : undefined);
      finish({ httpStatus: 200, count });
    });
    call.on('error', (e: GrpcCallError) => {
      if (finished) return;
      if (e.code === status.CANCELLED && res.destroyed) return finish({ httpStatus: 499, count });
      if (endsByDeadline && e.code === status.DEADLINE_EXCEEDED) {
        start();
        res.end(mode === 'array' ? ']' : undefined);
        return finish({ httpStatus: 200, count });
      }
      fail(fromCallError(e));
    });
    res.on('close', () => {
      if (finished) return;
      call.cancel();
      finish({ httpStatus: 499, count });
    });
  });
}
