/**
 * One call to many nodes at once, answered as NDJSON, a line per node as each
 * answers (`{"node", "reply"}` or `{"node", "error"}`); of a dump, a line per
 * message, and the node's error line if its stream fails. Each node's call has
 * the request's deadline of its own: a slow or dead node ends with its error
 * line then, and holds back nobody else's lines. The status is 200 once the
 * calls start: each node's outcome is in its lines.
 */
import type { ServerResponse } from 'node:http';
import { status } from '../../lib/grpc/status.ts';
import { fromCallError, gatewayError, type ErrorBody } from '../errors.ts';
import type { CallOptions, GrpcCall } from '../grpc/client.ts';
import { utf8 } from '../media-types.ts';
import type { Route } from '../routes.ts';
import type { FanOutNode } from './routing.ts';

export interface FanOutOutcome {
  /** nodes whose line(s) ended with an error */
  errors: number;
  /** reply lines written */
  replies: number;
  /** the client left before every node answered */
  cancelled: boolean;
}

const errorLine = (node: string, error: ErrorBody): string => `${JSON.stringify({ node, error })}\n`;
const replyLine = (node: string, json: string): string => `{"node":${JSON.stringify(node)},"reply":${json}}\n`;

/** Call `route` on every node with the encoded request `message`; resolves when all have answered, or the client left. */
export function fanOut(
  route: Route,
  nodes: FanOutNode[],
  message: Uint8Array,
  options: CallOptions,
  res: ServerResponse,
  mediaType: string,
): Promise<FanOutOutcome> {
  return new Promise((resolve) => {
    const outcome: FanOutOutcome = { errors: 0, replies: 0, cancelled: false };
    const calls = new Set<GrpcCall>();
    let pending = nodes.length;
    let finished = false;
    let paused = false;

    const finish = (): void => {
      if (finished) return;
      finished = true;
      resolve(outcome);
    };
    const write = (text: string): void => {
      if (finished || res.destroyed) return;
      if (res.write(text) || paused) return;
      // the client reads slowly: the dumps wait for it, the unary answers are one line each
      paused = true;
      for (const c of calls) c.pause();
      res.once('drain', () => {
        paused = false;
        for (const c of calls) c.resume();
      });
    };
    const settled = (call?: GrpcCall): void => {
      if (call) calls.delete(call);
      if (--pending > 0 || finished) return;
      res.end();
      finish();
    };
    const failed = (node: string, error: ErrorBody, call?: GrpcCall): void => {
      outcome.errors++;
      write(errorLine(node, error));
      settled(call);
    };
    /** The reply's JSON; undefined (the node's error line written, its call ended) when it does not decode. */
    const decoded = (node: string, bytes: Buffer, call: GrpcCall): string | undefined => {
      try {
        return route.response.json.toJson(route.response.binary.decode(bytes));
      } catch (e) {
        call.cancel();
        failed(node, gatewayError(status.INTERNAL, `the reply does not decode: ${(e as Error).message}`).body, call);
        return undefined;
      }
    };

    res.writeHead(200, { 'content-type': utf8(mediaType), 'cache-control': 'no-cache' });
    // the status now, whenever the first node answers
    res.flushHeaders();
    res.on('close', () => {
      if (finished) return;
      outcome.cancelled = true;
      for (const c of calls) c.cancel();
      finish();
    });

    for (const { node, client, refusal } of nodes) {
      if (!client) {
        failed(node, (refusal ?? gatewayError(status.UNAVAILABLE, `node ${node} is not ready`)).body);
        continue;
      }
      const call = client.call(route.grpcPath, message, options);
      calls.add(call);
      if (paused) call.pause();
      let reply: Buffer | undefined;
      let ended = false;
      call.on('data', (bytes) => {
        if (ended) return;
        if (!route.streaming) {
          reply = bytes;
          return;
        }
        const json = decoded(node, bytes, call);
        if (json === undefined) ended = true;
        else {
          outcome.replies++;
          write(replyLine(node, json));
        }
      });
      call.on('end', () => {
        if (ended) return;
        ended = true;
        if (route.streaming) return settled(call);
        if (!reply) return failed(node, gatewayError(status.INTERNAL, 'the server sent no reply message').body, call);
        const json = decoded(node, reply, call);
        if (json === undefined) return;
        outcome.replies++;
        write(replyLine(node, json));
        settled(call);
      });
      call.on('error', (e) => {
        if (ended) return;
        ended = true;
        failed(node, fromCallError(e).body, call);
      });
    }
    if (nodes.length === 0) {
      res.end();
      finish();
    }
  });
}
