/**
 * `vpp-rpc apply FILE`: NDJSON requests through the gRPC server's
 * Batch/Call stream. One line per request:
 *
 *   {"rpc": "Ip/IpRouteAddDel", "id": 7, "request": {...the unary REST body...}}
 *
 * `id` is optional (default: the line number); blank lines are skipped.
 * `refs` (as the journal's export writes them) set index fields from the
 * replies of earlier lines: `{"field": "sw_if_index", "item": 12,
 * "reply_field": "sw_if_index"}` puts the sw_if_index line 12's reply gave
 * into this line's request, whatever number the target VPP chose. Such a
 * line waits until the lines before it are answered.
 * Input is read as the stream takes it, so a file of any size holds only a
 * window of items in memory. Failed items are printed to stderr (with
 * --replies, every answer goes to stdout as NDJSON); a summary ends the run.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import * as grpc from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
import { compileBinary, compileJson, serviceMethods, type BinaryCodec, type JsonCodec } from '../lib/protobuf/index.ts';
import { shortService } from '../lib/policy.ts';
import { BatchCodec, openBatch, type BatchAnswer } from '../lib/grpc/batch-client.ts';
import { applyRefs, BatchRefError, parseRefs, replyIndexes, type BatchRef } from '../lib/batch-refs.ts';

export interface ApplyOptions {
  server: string;
  window?: number;
  stopOnError?: boolean;
  replies?: boolean;
  token?: string;
  tls?: boolean;
  tlsCa?: string;
  /** deadline of the whole batch, ms */
  timeout?: number;
}

interface Method {
  name: string;
  requestType: string;
  request: { json: JsonCodec; binary: BinaryCodec };
}

/** Each request/reply RPC by the names a line may use: "Service/Rpc" and "pkg.Service/Rpc". */
function methodTable(root: protobuf.Root): Map<string, Method> {
  const out = new Map<string, Method>();
  for (const { service, method } of serviceMethods(root)) {
    if (method.requestStream) continue;
    const type = method.resolvedRequestType!;
    const name = `${shortService(service)}/${method.name}`;
    const m: Method = {
      name,
      requestType: type.fullName.slice(1),
      request: { json: compileJson(type), binary: compileBinary(type) },
    };
    out.set(name, m);
    out.set(`${service}/${method.name}`, m);
  }
  return out;
}

const CODE_NAMES = Object.fromEntries(
  Object.entries(grpc.status)
    .filter(([, v]) => typeof v === 'number')
    .map(([k, v]) => [v, k]),
) as Record<number, string>;

class ItemError extends Error {}

interface Line {
  id: bigint;
  rpc: Method;
  request: unknown;
  refs: BatchRef[];
}

/** One NDJSON line: the RPC, the request (JSON), the id it is answered with, and its refs. */
function parseLine(text: string, lineNo: number, methods: Map<string, Method>): Line {
  let line: unknown;
  try {
    line = JSON.parse(text);
  } catch (e) {
    throw new ItemError(`not JSON: ${(e as Error).message}`);
  }
  if (typeof line !== 'object' || line === null || Array.isArray(line))
    throw new ItemError('a line is an object: {"rpc": "Service/Rpc", "id": 1, "request": {...}}');
  const { rpc, id, request, refs } = line as { rpc?: unknown; id?: unknown; request?: unknown; refs?: unknown };
  if (typeof rpc !== 'string')
    throw new ItemError('"rpc" is missing: the RPC as in its REST route, e.g. "Ip/IpRouteAddDel"');
  const method = methods.get(rpc);
  if (!method) throw new ItemError(`"rpc": no request/reply RPC ${rpc} (see \`vpp-rpc list\`)`);
  let itemId: bigint;
  try {
    itemId = id === undefined ? BigInt(lineNo) : BigInt(id as string | number);
    if (itemId < 0n || itemId >= 2n ** 64n) throw new RangeError();
  } catch {
    throw new ItemError(`"id": ${JSON.stringify(id)} is not an unsigned 64-bit integer`);
  }
  try {
    return { id: itemId, rpc: method, request: request ?? {}, refs: parseRefs(refs) };
  } catch (e) {
    throw new ItemError(`"refs": ${(e as Error).message}`);
  }
}

function credentialsOf(o: ApplyOptions): grpc.ChannelCredentials {
  if (!o.tls && !o.tlsCa) return grpc.credentials.createInsecure();
  return grpc.credentials.createSsl(o.tlsCa ? readFileSync(o.tlsCa) : null);
}

/** Runs the batch; resolves with the process's exit code. */
export async function applyCommand(root: protobuf.Root, file: string, o: ApplyOptions): Promise<number> {
  const methods = methodTable(root);
  const codec = new BatchCodec(root);
  const replyJson = new Map<string, (bytes: Buffer) => string>();
  const client = new grpc.Client(o.server, credentialsOf(o));
  const metadata = new grpc.Metadata();
  if (o.token) metadata.set('authorization', `Bearer ${o.token}`);
  const call = openBatch(client, {
    metadata,
    ...(o.timeout ? { deadline: Date.now() + o.timeout } : {}),
  });
  const startedAt = Date.now();
  let sent = 0;
  let answered = 0;
  let failed = 0;
  let localFailures = 0;
  let streamError: grpc.ServiceError | undefined;
  /** rpc name, input line and id of each item sent and not yet answered, in order */
  const pending: { line: number; rpc: string; id: string }[] = [];
  /** the indexes each answered item's reply handed out, for the lines whose refs name it */
  const replies = new Map<string, Record<string, number>>();
  const settledIds = new Set<string>();
  const answerWaiters: (() => void)[] = [];
  let pendingHead = 0;
  const tty = process.stderr.isTTY;
  const progress = (): void => {
    const s = (Date.now() - startedAt) / 1000;
    process.stderr.write(
      `\r${sent} sent, ${answered} answered, ${failed + localFailures} failed, ${Math.round(answered / Math.max(s, 0.001))}/s `,
    );
  };
  const ticker = tty ? setInterval(progress, 250) : undefined;
  const report = (line: number, rpc: string, id: bigint | string, message: string): void => {
    if (tty) process.stderr.write('\r\x1b[K');
    process.stderr.write(`line ${line} (id ${String(id)}, ${rpc}): ${message}\n`);
  };
  const toJson = (type: string, value: Buffer): string => {
    let print = replyJson.get(type);
    if (!print) {
      const t = root.lookupType(type);
      const binary = compileBinary(t);
      const json = compileJson(t);
      print = (bytes) => json.toJson(binary.decode(bytes));
      replyJson.set(type, print);
    }
    return print(value);
  };
  const finished = new Promise<void>((resolve) => {
    call.on('data', (b: Buffer) => {
      const a: BatchAnswer = codec.decode(b);
      const item = pending[pendingHead++] ?? { line: 0, rpc: '?', id: '' };
      if (pendingHead > 4096) {
        pending.splice(0, pendingHead);
        pendingHead = 0;
      }
      answered++;
      if (a.error) {
        failed++;
        report(item.line, item.rpc, a.id, `${CODE_NAMES[a.error.code] ?? a.error.code}: ${a.error.message}`);
      }
      settledIds.add(item.id);
      if (!a.error) {
        const indexes = replyIndexes(JSON.parse(toJson(a.reply!.type, a.reply!.value)) as Record<string, unknown>);
        if (indexes) replies.set(item.id, indexes);
      }
      for (const w of answerWaiters.splice(0)) w();
      if (o.replies)
        process.stdout.write(
          a.error
            ? `{"id":"${a.id}","error":{"code":${a.error.code},"message":${JSON.stringify(a.error.message)}}}\n`
            : `{"id":"${a.id}","reply":${toJson(a.reply!.type, a.reply!.value)}}\n`,
        );
    });
    call.on('error', (e: grpc.ServiceError) => {
      streamError = e;
      for (const w of answerWaiters.splice(0)) w();
      resolve();
    });
    call.on('end', resolve);
  });

  const input = file === '-' ? process.stdin : createReadStream(file);
  const opened = new Promise<void>((resolve, reject) => {
    input.once('error', reject);
    if (file === '-') resolve();
    else input.once('open', () => resolve());
  });
  try {
    await opened;
  } catch (e) {
    process.stderr.write(`vpp-rpc apply: cannot read ${file}: ${(e as Error).message}\n`);
    call.cancel();
    client.close();
    clearInterval(ticker);
    return 2;
  }
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  let stopped = false;
  for await (const text of lines) {
    lineNo++;
    if (streamError || stopped) break;
    if (!text.trim()) continue;
    let item;
    try {
      item = parseLine(text, lineNo, methods);
    } catch (e) {
      if (!(e instanceof ItemError)) throw e;
      localFailures++;
      report(lineNo, 'not sent', '-', e.message);
      if (o.stopOnError) stopped = true;
      continue;
    }
    let value: Buffer;
    try {
      // a line that takes numbers from earlier replies waits for them
      if (item.refs.length) {
        while (answered < sent && !streamError && item.refs.some((r) => !settledIds.has(r.item)))
          await new Promise<void>((r) => answerWaiters.push(r));
        applyRefs(item.request, item.refs, replies);
      }
      value = item.rpc.request.binary.encode(item.rpc.request.json.fromJson(item.request));
    } catch (e) {
      const err =
        e instanceof ItemError
          ? e
          : new ItemError(`${e instanceof BatchRefError ? '"refs"' : '"request"'}: ${(e as Error).message}`);
      localFailures++;
      report(lineNo, item.rpc.name, item.id, err.message);
      if (o.stopOnError) stopped = true;
      continue;
    }
    pending.push({ line: lineNo, rpc: item.rpc.name, id: String(item.id) });
    const first = sent === 0;
    sent++;
    const more = call.write(
      codec.encode({
        id: item.id,
        rpc: item.rpc.name,
        type: item.rpc.requestType,
        value,
        ...(first ? { options: { stop_on_error: Boolean(o.stopOnError), window: o.window ?? 0 } } : {}),
      }),
    );
    if (!more) await new Promise((r) => call.once('drain', r));
  }
  lines.close();
  call.end();
  await finished;
  clearInterval(ticker);
  client.close();
  if (tty) process.stderr.write('\r\x1b[K');
  const seconds = (Date.now() - startedAt) / 1000;
  const notAnswered = sent - answered;
  const errors = failed + localFailures;
  process.stderr.write(
    `${sent + localFailures} items: ${answered - failed} ok, ${errors} failed` +
      (notAnswered ? `, ${notAnswered} not answered` : '') +
      ` in ${seconds.toFixed(2)} s (${Math.round(answered / Math.max(seconds, 0.001))} items/s)\n`,
  );
  if (streamError)
    process.stderr.write(`batch ended: ${CODE_NAMES[streamError.code] ?? streamError.code}: ${streamError.details}\n`);
  return streamError || errors > 0 || notAnswered > 0 ? 1 : 0;
}
