/**
 * One REST batch: items read from the HTTP body as it arrives, sent on one
 * vpprpc.Batch/Call stream, and answered on the HTTP response as replies come
 * back, one answer per item, in the items' order.
 *
 * Memory stays bounded both ways: the body is not read while MAX_PENDING
 * items await their answers, while HTTP/2 flow control holds the stream, or
 * while the response is not drained; replies are not read from the server
 * while the response is not drained.
 *
 * Items the gateway answers itself (a malformed line, a refused RPC) wait in
 * the same queue for their turn. When the stream fails as a whole (the server
 * goes away, the deadline passes, stop_on_error stops it), every item not
 * answered yet, and every item still to come in the body, is answered with
 * that error: the answer always has one line per item.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { status } from '../../lib/grpc/status.ts';
import { batchRequestFrame, decodeBatchReply, optionsField, type BatchOptions } from './wire.ts';
import { BATCH_PATH, JSON_MEDIA_TYPE } from '../../lib/wire-names.ts';
import { encodeWithRefs, type BatchRpc, type Item, type ItemParser, type RawItem } from './items.ts';
import { replyIndexes } from '../../lib/batch-refs.ts';
import { fromCallError, type ErrorBody } from '../errors.ts';
import type { CallOptions, GrpcCall, GrpcCallError, GrpcClient } from '../grpc/client.ts';
import { LineSplitter } from '../ndjson-lines.ts';
import { utf8 } from '../media-types.ts';

/** Items read but not answered yet, at most (one body chunk's worth may come on top). */
export const MAX_PENDING = 4096;
const RESUME_BELOW = MAX_PENDING / 2;

/** Where the items come from: pausable, as the body stream is. */
export interface ItemSource {
  start(item: (raw: RawItem) => void, end: () => void): void;
  pause(): void;
  resume(): void;
}

/** The lines of an NDJSON body, as they arrive. */
export function ndjsonSource(req: IncomingMessage, maxLineBytes: number): ItemSource {
  return {
    start(item, end) {
      const lines = new LineSplitter(maxLineBytes, item);
      req.on('data', (chunk: Buffer) => lines.push(chunk));
      req.on('end', () => {
        lines.end();
        end();
      });
    },
    pause: () => req.pause(),
    resume: () => req.resume(),
  };
}

/** The elements of a JSON array body, parsed already (the body is small: --body-limit). */
export function arraySource(values: RawItem[]): ItemSource {
  let next = 0;
  let paused = false;
  let sink: ((raw: RawItem) => void) | undefined;
  let done: (() => void) | undefined;
  const pump = (): void => {
    while (!paused && sink && next < values.length) sink(values[next++]!);
    if (!paused && next === values.length && done) {
      const d = done;
      done = undefined;
      d();
    }
  };
  return {
    start(item, end) {
      sink = item;
      done = end;
      pump();
    },
    pause: () => (paused = true),
    resume: () => {
      if (!paused) return;
      paused = false;
      // not from inside the caller's own stack
      setImmediate(pump);
    },
  };
}

/** How answers are written: NDJSON lines or one JSON array, bare or wrapped with the item's id. */
export interface AnswerFormat {
  /** a JSON array; else NDJSON */
  array: boolean;
  /** the name NDJSON answers go out under */
  ndjsonType: string;
  /** mixed batches: `{"id":…,"reply":…}` / `{"id":…,"error":…}` */
  wrapped: boolean;
}

export interface BatchOutcome {
  items: number;
  errors: number;
  /** the client left before the end */
  cancelled: boolean;
  /** what ended the stream early, if anything did */
  failure?: ErrorBody;
}

interface Entry {
  seq: number;
  id: unknown;
  /** sent to the server: answered by its reply */
  rpc?: BatchRpc;
  /** answered by the gateway: the answer's text */
  text?: string;
}

export interface BatchRun {
  client: GrpcClient;
  callOptions: CallOptions;
  options: BatchOptions;
  parse: ItemParser;
  format: AnswerFormat;
}

/** Run a batch: writes the 200 header and every answer to `res`; resolves when done or abandoned. */
export function runBatch(run: BatchRun, source: ItemSource, res: ServerResponse): Promise<BatchOutcome> {
  const { format } = run;
  return new Promise((resolve) => {
    const pending: Entry[] = [];
    let head = 0;
    let seq = 0;
    let errors = 0;
    let call: GrpcCall | undefined;
    let callDone = false;
    let failure: ErrorBody | undefined;
    let inputEnded = false;
    let inputPaused = false;
    let callBlocked = false;
    let outBlocked = false;
    let finished = false;
    let written = 0;
    let out = '';
    let frames: Buffer[] = [];
    let flushQueued = false;
    let sentOptions = false;
    /** items that wait for lines their refs name, in order */
    const waiting: { n: number; item: Item }[] = [];
    /** ids of the lines sent and not answered yet (how many of each) */
    const inFlight = new Map<string, number>();
    /** the numbers answered lines' replies handed out, by line id */
    const replies = new Map<string, Record<string, number>>();

    res.writeHead(200, {
      'content-type': utf8(format.array ? JSON_MEDIA_TYPE : format.ndjsonType),
      'cache-control': 'no-cache',
    });
    if (format.array) out = '[';

    const pendingCount = (): number => pending.length - head;

    const answerText = (id: unknown, json: string, error: boolean): string => {
      const body = format.wrapped
        ? `{${id === undefined ? '' : `"id":${JSON.stringify(id)},`}"${error ? 'error' : 'reply'}":${json}}`
        : json;
      return format.array ? body : body + '\n';
    };
    const errorText = (id: unknown, e: ErrorBody): string => {
      errors++;
      return answerText(id, JSON.stringify(e), true);
    };

    const flush = (): void => {
      flushQueued = false;
      if (finished) return;
      if (frames.length > 0 && call && !callDone) {
        const data = frames.length === 1 ? frames[0]! : Buffer.concat(frames);
        frames = [];
        if (!call.write(data)) callBlocked = true;
      }
      frames = [];
      if (out !== '') {
        const text = out;
        out = '';
        if (!res.write(text)) {
          outBlocked = true;
          call?.pause();
        }
      }
      flow();
      maybeFinish();
    };
    const queueFlush = (): void => {
      if (flushQueued) return;
      flushQueued = true;
      queueMicrotask(flush);
    };
    /** Answers go out in the items' order, whatever order their texts were made in. */
    const emit = (text: string): void => {
      out += format.array && written++ > 0 ? ',' + text : text;
      queueFlush();
    };

    /** Answers at the head that the gateway gave itself go out as soon as they are first. */
    const drainHead = (): void => {
      while (head < pending.length && pending[head]!.text !== undefined) emit(pending[head++]!.text!);
      if (head > 1024 && head * 2 > pending.length) {
        pending.splice(0, head);
        head = 0;
      }
    };

    /** The whole stream failed: every item sent and not answered gets `e`, and so will every later item. */
    const failAll = (e: ErrorBody): void => {
      failure ??= e;
      for (let i = head; i < pending.length; i++) {
        const p = pending[i]!;
        if (p.rpc) p.text = errorText(p.id, e);
      }
      inFlight.clear();
      drainHead();
      drainWaiting();
    };

    const flow = (): void => {
      const hold = outBlocked || (callBlocked && !callDone) || pendingCount() >= MAX_PENDING || waiting.length > 0;
      if (hold && !inputPaused) {
        inputPaused = true;
        source.pause();
      } else if (!hold && inputPaused && pendingCount() <= RESUME_BELOW) {
        inputPaused = false;
        source.resume();
      }
    };

    const finish = (cancelled: boolean): void => {
      if (finished) return;
      finished = true;
      resolve({ items: seq, errors, cancelled, ...(failure ? { failure } : {}) });
    };

    const maybeFinish = (): void => {
      if (finished || !inputEnded || pendingCount() > 0 || waiting.length > 0 || flushQueued) return;
      // every item is answered; the call, if any, ends by itself (its status has no item left to tell)
      res.end(format.array ? out + ']' : out);
      out = '';
      finish(false);
    };

    const openCall = (): GrpcCall | undefined => {
      try {
        const c = run.client.open(BATCH_PATH, run.callOptions);
        c.on('data', onReply);
        c.on('end', () => {
          callDone = true;
          // the server ends the stream only after this side did: an earlier end leaves items unanswered
          if (pendingCount() > 0 || !inputEnded)
            failAll({ code: status.INTERNAL, message: 'the server ended the batch without answering', details: [] });
          flow();
          maybeFinish();
        });
        c.on('error', (e: GrpcCallError) => {
          callDone = true;
          failAll(fromCallError(e).body);
          flow();
          maybeFinish();
        });
        c.on('drain', () => {
          callBlocked = false;
          flow();
        });
        return c;
      } catch (e) {
        callDone = true;
        failAll(fromCallError(e as GrpcCallError).body);
        return undefined;
      }
    };

    const onReply = (bytes: Buffer): void => {
      if (finished) return;
      const p = pending[head];
      let text: string;
      let reply: string | undefined;
      try {
        const answer = decodeBatchReply(bytes);
        if (!p || !p.rpc || p.seq !== answer.id)
          throw new Error(`the server answered item ${answer.id}, expected ${p?.seq ?? 'none'}`);
        if ('error' in answer) text = errorText(p.id, answer.error);
        else {
          reply = p.rpc.route.response.json.toJson(p.rpc.route.response.binary.decode(answer.reply));
          text = answerText(p.id, reply, false);
        }
      } catch (e) {
        call?.cancel();
        callDone = true;
        failAll({ code: status.INTERNAL, message: `a bad batch reply: ${(e as Error).message}`, details: [] });
        flow();
        return;
      }
      head++;
      emit(text);
      if (p.id !== undefined) settle(String(p.id), reply);
      drainHead();
      drainWaiting();
      flow();
    };

    /** A line with an id was answered: later lines' refs may take the numbers its reply handed out. */
    const settle = (id: string, reply: string | undefined): void => {
      const left = (inFlight.get(id) ?? 1) - 1;
      if (left > 0) inFlight.set(id, left);
      else inFlight.delete(id);
      if (reply === undefined || !reply.includes('index')) return;
      const indexes = replyIndexes(JSON.parse(reply) as Record<string, unknown>);
      if (indexes) replies.set(id, indexes);
    };

    /** stop_on_error and an item the gateway refused: nothing after it is sent. */
    const stopAt = (n: number): void => {
      failure ??= {
        code: status.ABORTED,
        message: `item ${n} failed and stop_on_error is set: not sent`,
        details: [],
      };
      queueFlush();
      if (call && !callDone) queueMicrotask(() => call?.end());
    };

    /** An item that takes numbers from a line still in flight waits, and every item after it. */
    const mustWait = (item: Item): boolean => 'refs' in item && item.refs.some((r) => inFlight.has(r.item));

    const onItem = (raw: RawItem): void => {
      if (finished) return;
      const n = seq++;
      const item: Item = run.parse(raw);
      if (waiting.length > 0 || mustWait(item)) {
        waiting.push({ n, item });
        flow();
        return;
      }
      send(n, item);
    };

    const drainWaiting = (): void => {
      while (waiting.length > 0 && (failure || callDone || !mustWait(waiting[0]!.item))) {
        const w = waiting.shift()!;
        send(w.n, w.item);
      }
      if (waiting.length === 0 && inputEnded) endCall();
    };

    const endCall = (): void => {
      if (call && !callDone && waiting.length === 0) queueMicrotask(() => call?.end());
    };

    const send = (n: number, parsed: Item): void => {
      let item = parsed;
      if ('refs' in item) {
        const bytes = failure ? failure : encodeWithRefs(item, replies);
        item = Buffer.isBuffer(bytes) ? { rpc: item.rpc, bytes, id: item.id } : { error: bytes, id: item.id };
      }
      if (failure || 'error' in item) {
        const text = errorText(item.id, 'error' in item && !failure ? item.error : failure!);
        if (!failure && run.options.stopOnError) stopAt(n);
        pending.push({ seq: n, id: item.id, text });
      } else {
        if (!call && !callDone) call = openCall();
        if (call && !callDone) {
          // the options travel in the stream's first message
          frames.push(
            batchRequestFrame(n, item.rpc.target, item.bytes, sentOptions ? undefined : optionsField(run.options)),
          );
          sentOptions = true;
          pending.push({ seq: n, id: item.id, rpc: item.rpc });
          if (item.id !== undefined) inFlight.set(String(item.id), (inFlight.get(String(item.id)) ?? 0) + 1);
          queueFlush();
        } else pending.push({ seq: n, id: item.id, text: errorText(item.id, failure!) });
      }
      drainHead();
      flow();
    };

    res.on('close', () => {
      if (finished) return;
      call?.cancel();
      source.pause();
      finish(true);
    });
    res.on('drain', () => {
      outBlocked = false;
      call?.resume();
      flow();
    });

    source.start(onItem, () => {
      inputEnded = true;
      queueFlush();
      endCall();
    });
    queueFlush();
  });
}
