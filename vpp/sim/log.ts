/** The logging the simulator needs: pino's methods, so a pino logger fits as is. */
import type { Logger } from 'pino';

export type SimLog = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
