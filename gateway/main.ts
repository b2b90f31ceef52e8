/** npm run gateway -- [flags]: the REST gateway process. */
import { createLogger } from '../lib/log.ts';
import { runUntilSignalled } from '../lib/process.ts';
import { startGateway } from './app.ts';
import { parseGatewayConfig } from './config.ts';

const cfg = parseGatewayConfig(process.argv.slice(2));
const log = createLogger('vpp-rpc-gateway', cfg.logLevel);
await runUntilSignalled(log, () => startGateway(cfg, log));
