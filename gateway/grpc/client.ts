/**
 * A lean gRPC client over node:http2 for the gateway: unary and
 * server-streaming calls carrying pre-encoded messages, on one long-lived
 * HTTP/2 session that comes back by itself when the server restarts, and
 * fails calls at once while the server is gone or not answering (upstream.ts).
 *
 * The gateway calls one kind of server, its own; grpc-js's general client
 * (interceptors, load balancing, per-call objects) costs it more than half of
 * a REST round trip, so it speaks the wire protocol directly: a 5-byte prefix
 * per message, grpc-status and friends in the trailers.
 */
import { EventEmitter } from 'node:events';
import http2, { type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import { status } from '../../lib/grpc/status.ts';
import { encodeFrame, FrameReader, type FrameError } from '../../lib/grpc/wire.ts';
import { GRPC_MEDIA_TYPE, STATUS_DETAILS_KEY } from '../../lib/wire-names.ts';
import { DEFAULT_KEEPALIVE, type KeepaliveOptions } from './keepalive.ts';
import { DEFAULT_RECONNECT, Upstream, type ReconnectOptions } from './upstream.ts';

export interface CallOptions {
  /** absolute deadline, ms since the epoch */
  deadline?: number;
  /** forwarded as the `authorization` metadata */
  authorization?: string;
}

/** A finished call that did not succeed, as grpc-js's ServiceError has it. */
export class GrpcCallError extends Error {
  constructor(
    readonly code: number,
    readonly details: string,
    /** the raw `grpc-status-details-bin` (google.rpc.Status), if the server sent one */
    readonly statusDetails: Buffer | undefined,
  ) {
    super(details);
    this.name = 'GrpcCallError';
  }
}

export interface GrpcClientOptions {
  /** `host:port` */
  target: string;
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer; servername?: string };
  /** largest message accepted from the server */
  maxMessageBytes?: number;
  /** HTTP/2 PINGs on a quiet session, to notice a server that stopped answering; false: none. Default DEFAULT_KEEPALIVE */
  keepalive?: KeepaliveOptions | false;
  /** when to dial again after the server went away. Default 100 ms doubling to 5 s */
  reconnect?: ReconnectOptions;
}

const { NGHTTP2_CANCEL } = http2.constants;
/** the longest delay a Node timer takes (about 24.8 days) */
const MAX_TIMER_MS = 2 ** 31 - 1;

function percentDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** gRPC's timeout header: at most 8 digits and a unit. */
function timeoutHeader(ms: number): string {
  const m = Math.max(1, Math.ceil(ms));
  if (m < 1e8) return `${m}m`;
  const s = Math.ceil(m / 1000);
  return s < 1e8 ? `${s}S` : `${Math.min(99_999_999, Math.ceil(s / 3600))}H`;
}

function statusOf(headers: IncomingHttpHeaders): GrpcCallError | null | undefined {
  const s = headers['grpc-status'];
  if (s === undefined) return undefined;
  const code = Number(s);
  if (code === 0) return null;
  const message = headers['grpc-message'];
  const details = headers[STATUS_DETAILS_KEY];
  return new GrpcCallError(
    Number.isInteger(code) ? code : status.UNKNOWN,
    typeof message === 'string' ? percentDecode(message) : (status[code] ?? 'error'),
    typeof details === 'string' ? Buffer.from(details, 'base64') : undefined,
  );
}

/**
 * One call. Events: `metadata` (response headers arrived), `data` (one
 * message), `end` (OK), `error` (GrpcCallError), `drain` (the request side
 * may take more after a `write` returned false).
 */
export class GrpcCall extends EventEmitter<{
  metadata: [];
  data: [Buffer];
  end: [];
  error: [GrpcCallError];
  drain: [];
}> {
  private done = false;
  private timer: NodeJS.Timeout | undefined;
  /** the server's trailers (with the status), once the call ended with them */
  trailers: IncomingHttpHeaders | undefined;

  /** A call that fails with `err` before it starts: nothing is sent. */
  static refused(err: GrpcCallError): GrpcCall {
    const call = new GrpcCall(undefined, undefined, 0);
    // after the caller has had its turn to listen
    process.nextTick(() => call.fail(err));
    return call;
  }

  constructor(
    /** undefined: a call refused before it started */
    private readonly stream: ClientHttp2Stream | undefined,
    deadline: number | undefined,
    max: number,
    /** why the call's session was dropped under it, if it was: that is then what ended the call */
    dropped: () => GrpcCallError | undefined = () => undefined,
  ) {
    super();
    if (!stream) return;
    const reader = new FrameReader(max);
    if (deadline !== undefined && Number.isFinite(deadline))
      this.timer = setTimeout(
        () => this.fail(new GrpcCallError(status.DEADLINE_EXCEEDED, 'deadline exceeded', undefined)),
        // Node fires a longer timer at once
        Math.min(MAX_TIMER_MS, Math.max(0, deadline - Date.now())),
      );
    stream.on('response', (headers) => {
      const s = statusOf(headers); // trailers-only: the status comes with the headers
      if (s !== undefined) {
        this.trailers = headers;
        this.finish(s);
        return;
      }
      if (headers[':status'] !== 200) {
        this.fail(
          new GrpcCallError(status.UNKNOWN, `the server answered HTTP ${String(headers[':status'])}`, undefined),
        );
        return;
      }
      this.emit('metadata');
    });
    stream.on('data', (chunk: Buffer) => {
      if (this.done) return;
      let messages: Buffer[];
      try {
        messages = reader.push(chunk);
      } catch (e) {
        const err = e as FrameError;
        this.fail(new GrpcCallError(err.code, `the server sent ${err.message}`, undefined));
        return;
      }
      for (const m of messages) this.emit('data', m);
    });
    stream.on('trailers', (trailers) => {
      this.trailers = trailers;
      const s = statusOf(trailers);
      this.finish(
        s === undefined
          ? new GrpcCallError(status.UNKNOWN, 'the server ended the call without a status', undefined)
          : s,
      );
    });
    stream.on('close', () => {
      // closed before a status, and not by our cancel (that sets done): the server or the connection went away;
      // Node closes the streams of a lost session with CANCEL, which is not the caller cancelling
      if (this.done) return;
      this.finish(
        dropped() ??
          new GrpcCallError(
            status.UNAVAILABLE,
            `the gRPC server closed the call (HTTP/2 code ${stream.rstCode ?? 0})`,
            undefined,
          ),
      );
    });
    stream.on('error', (err) =>
      this.fail(
        dropped() ??
          // a call queued on a session that failed to connect: its cause says why
          new GrpcCallError(
            status.UNAVAILABLE,
            `the gRPC server is unreachable: ${(err.cause instanceof Error ? err.cause : err).message}`,
            undefined,
          ),
      ),
    );
    stream.on('drain', () => this.emit('drain'));
  }

  /**
   * Send framed messages (encodeFrame or encodeFrames of lib/grpc/wire.ts) on a call
   * opened by `open`. False when HTTP/2 flow control holds them: wait for `drain`.
   */
  write(frames: Buffer): boolean {
    if (this.done || !this.stream || this.stream.closed) return true;
    return this.stream.write(frames);
  }

  /** No more messages from this side (half-close), after `last` if given; the server's answers go on. */
  end(last?: Buffer): void {
    if (!this.done && this.stream && !this.stream.closed) this.stream.end(last);
  }

  pause(): void {
    this.stream?.pause();
  }

  resume(): void {
    this.stream?.resume();
  }

  cancel(): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    this.stream?.close(NGHTTP2_CANCEL);
  }

  /** The server ended the call with this status: its stream is over, nothing to reset. */
  private finish(s: GrpcCallError | null): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    if (s) this.emit('error', s);
    else this.emit('end');
  }

  /**
   * The call failed on this side (deadline, a bad message, the connection):
   * reset the stream. Never after the server ended it: a reset on a finished
   * stream counts as an invalid frame, and Node's server drops the whole
   * session once a thousand of those add up.
   */
  private fail(err: GrpcCallError): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    if (this.stream && !this.stream.closed) this.stream.close(NGHTTP2_CANCEL);
    this.emit('error', err);
  }
}

export class GrpcClient {
  /** the session calls go on, and whether the server answers on it */
  readonly upstream: Upstream;
  private readonly authority: string;
  private readonly max: number;
  private closed = false;

  constructor(private readonly opts: GrpcClientOptions) {
    this.authority = `${opts.tls ? 'https' : 'http'}://${opts.target}`;
    this.max = opts.maxMessageBytes ?? 64 * 1024 * 1024;
    this.upstream = new Upstream(
      opts.target,
      () => this.dial(),
      opts.keepalive ?? DEFAULT_KEEPALIVE,
      opts.reconnect ?? DEFAULT_RECONNECT,
    );
  }

  private dial(): ClientHttp2Session {
    const { tls } = this.opts;
    const session = http2.connect(this.authority, {
      ...(tls ? { ca: tls.ca, cert: tls.cert, key: tls.key, servername: tls.servername } : {}),
      settings: { enablePush: false },
    });
    session.setTimeout(0);
    session.unref();
    return session;
  }

  /** Dial the server now rather than at the first call. */
  connect(): void {
    this.upstream.connect();
  }

  /** Why calls fail at once now (the server is gone or not answering); undefined while they go to the server. */
  unavailable(): GrpcCallError | undefined {
    const why = this.upstream.failure();
    return why === undefined ? undefined : new GrpcCallError(status.UNAVAILABLE, why, undefined);
  }

  /** Start a call; one request message, any number of response messages. */
  call(path: string, message: Uint8Array, opts: CallOptions = {}): GrpcCall {
    const call = this.open(path, opts);
    call.end(encodeFrame(message));
    return call;
  }

  /** Start a call whose request messages the caller writes (`write`, `end`): a client- or bidi-streaming call. */
  open(path: string, opts: CallOptions = {}): GrpcCall {
    if (this.closed) throw new GrpcCallError(status.UNAVAILABLE, 'the gateway is shutting down', undefined);
    const headers: http2.OutgoingHttpHeaders = {
      ':method': 'POST',
      ':path': path,
      'content-type': GRPC_MEDIA_TYPE,
      te: 'trailers',
      'user-agent': 'vpp-rpc-gateway',
    };
    if (opts.deadline !== undefined && Number.isFinite(opts.deadline))
      headers['grpc-timeout'] = timeoutHeader(opts.deadline - Date.now());
    if (opts.authorization) headers.authorization = opts.authorization;
    const down = this.unavailable();
    if (down) return GrpcCall.refused(down);
    const session = this.upstream.session();
    const dropped = (): GrpcCallError | undefined => {
      const why = this.upstream.droppedBecause(session);
      return why === undefined ? undefined : new GrpcCallError(status.UNAVAILABLE, why, undefined);
    };
    let stream: ClientHttp2Stream;
    try {
      stream = session.request(headers);
    } catch (e) {
      // the session failed a moment ago, and the news of it is on its way to the upstream's state
      return GrpcCall.refused(
        new GrpcCallError(status.UNAVAILABLE, `the gRPC server is unreachable: ${(e as Error).message}`, undefined),
      );
    }
    return new GrpcCall(stream, opts.deadline, this.max, dropped);
  }

  /** A unary call: the one response message; `trailers` sees the server's trailers however it ends. */
  unary(
    path: string,
    message: Uint8Array,
    opts: CallOptions = {},
    trailers?: (t: IncomingHttpHeaders | undefined) => void,
  ): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      let reply: Buffer | undefined;
      let call: GrpcCall;
      try {
        call = this.call(path, message, opts);
      } catch (e) {
        reject(e as Error);
        return;
      }
      call.on('data', (m) => (reply = m));
      if (trailers) call.once('end', () => trailers(call.trailers)).once('error', () => trailers(call.trailers));
      call.on('end', () =>
        reply
          ? resolve(reply)
          : reject(new GrpcCallError(status.INTERNAL, 'the server sent no reply message', undefined)),
      );
      call.on('error', reject);
    });
  }

  close(): void {
    this.closed = true;
    this.upstream.close();
  }
}
