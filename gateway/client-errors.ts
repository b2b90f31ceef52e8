/**
 * Bad requests that never reach a route, answered in the gateway's error form.
 *
 * Requests Node cannot parse (a request line or headers too large, broken
 * framing) get `Connection: close` as well: Fastify's own answer leaves it out
 * and then drops the connection, so a keep-alive client sent its next request
 * on a dead socket and lost it.
 */
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
