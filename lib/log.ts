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
