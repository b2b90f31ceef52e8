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

/** A logger for start-up announcements (where a process listens), printed whatever the level. */
export function announcer(log: Logger): Logger {
  return log.child({}, { level: log.isLevelEnabled('info') ? log.level : 'info' });
}
