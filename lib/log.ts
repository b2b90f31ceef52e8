/** Structured logs: JSON lines on stdout through pino, one logger per process. */
import { pino, type Logger } from 'pino';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function createLogger(name: string, level: string): Logger {
  return pino({
    name,
    level,
    base: { pid: process.pid },
    // secrets never reach the logs, whatever a caller passes in
    redact: {
      paths: ['token', 'authorization', '*.authorization', '*.token', 'headers.authorization'],
      censor: '[redacted]',
    },
  });
}

/** The `type` of the IPC message a child process sends its parent once it serves (lib/child.ts). */
export const READY_MESSAGE_TYPE = 'vpp-rpc-ready';

/**
 * Say that the process serves, and where: a log line for people (at info, or
 * at any level but silent), and, when a parent started it with an IPC channel,
 * a message that does not depend on the log level.
 */
export function announceReady(log: Logger, fields: Record<string, unknown>, msg: string): void {
  if (log.level !== 'silent')
    log.child({}, { level: log.isLevelEnabled('info') ? log.level : 'info' }).info(fields, msg);
  if (!process.send) return;
  process.send({ type: READY_MESSAGE_TYPE, msg, ...fields });
  // the channel must not keep this process alive; the parent closes it once it has read this
  process.channel?.unref();
}
