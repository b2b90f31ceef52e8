/**
 * Bad requests that never reach a route, answered in the gateway's error form.
 *
 * Requests Node cannot parse (a request line or headers too large, broken
 * framing) get `Connection: close` as well: Fastify's own answer leaves it out
 * and then drops the connection, so a keep-alive client sent its next request
 * on a dead socket and lost it.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { status } from '../lib/grpc/status.ts';
import type { FastifyError, FastifyReply } from 'fastify';

const ANSWERS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'the request line and headers are too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'the request did not arrive in time'],
};
const MALFORMED: [number, string, string] = [400, 'Bad Request', 'the request is not valid HTTP/1.1'];

export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  // a connection reset by the client has nobody to answer
  if (err.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return;
  const [httpStatus, reason, message] = ANSWERS[err.code ?? ''] ?? MALFORMED;
  const body = JSON.stringify({ code: status.INVALID_ARGUMENT, message, details: [] });
  socket.end(
    `HTTP/1.1 ${httpStatus} ${reason}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** What Fastify refuses before routing (a URL that does not decode), in the gateway's error form. */
export function frameworkErrors(error: FastifyError, _req: unknown, reply: FastifyReply): void {
  void reply
    .code(400)
    .header('content-type', 'application/json; charset=utf-8')
    .send(JSON.stringify({ code: status.INVALID_ARGUMENT, message: error.message, details: [] }));
}

/** How long a connection answered before its request body arrived reads what is left of it, at most. */
const LINGER_MS = 5000;

/**
 * An answer sent while the request body is still arriving, with `Connection:
 * close` (Fastify's answer to a body over the limit, or to one its parser
 * refused), makes Node close the connection as soon as the answer is written
 * (socket.destroySoon: end, then destroy). The body the client still sends then
 * reaches a closed socket, whose kernel answers with a reset, and the client
 * loses the answer it had not read yet: it sees EPIPE or ECONNRESET instead of
 * its 413. As nginx's lingering close, such a connection is only half-closed
 * after the answer: Node's HTTP parser goes on reading the rest of the body and
 * throwing it away until the client closes its side, or LINGER_MS pass (the
 * bound on what a client can make the gateway read); then it closes.
 */
export function lingerOnEarlyClose(req: IncomingMessage): void {
  if (req.complete) return;
  const socket = req.socket;
  socket.destroySoon = () => linger(req, socket);
}

function linger(req: IncomingMessage, socket: Socket): void {
  socket.end();
  const close = (): void => {
    clearTimeout(timer);
    socket.destroy();
  };
  const timer = setTimeout(close, LINGER_MS);
  // the parser reads only while the body is consumed: Node drains a body nobody read, this one the parser left
  req.resume();
  socket.once('end', close);
  socket.once('close', () => clearTimeout(timer));
}
