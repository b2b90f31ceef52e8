/** npm run gateway -- [flags]: the REST gateway process. */
import { createLogger } from '../lib/log.ts';
import { parseGatewayConfig } from './config.ts';
import { startGateway } from './app.ts';

const cfg = parseGatewayConfig(process.argv.slice(2));
const log = createLogger('vpp-rpc-gateway', cfg.logLevel);

try {
  const running = await startGateway(cfg, log);
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
