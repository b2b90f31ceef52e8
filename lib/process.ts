/** The life of a process: start, then stop cleanly on SIGTERM or SIGINT. */
import type { Logger } from './log.ts';

export async function runUntilSignalled(log: Logger, start: () => Promise<{ close(): Promise<void> }>): Promise<void> {
  try {
    const running = await start();
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'shutting down');
      running.close().then(
        () => process.exit(0),
        (err: Error) => {
          log.error({ err: err.message }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  } catch (e) {
    log.fatal({ err: (e as Error).message }, 'cannot start');
    process.exit(1);
  }
}
