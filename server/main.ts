/** npm run server -- [flags]: the gRPC server process. */
import { createLogger } from '../lib/log.ts';
import { runUntilSignalled } from '../lib/process.ts';
import { startServer } from './app.ts';
import { parseServerConfig } from './config.ts';

const cfg = parseServerConfig(process.argv.slice(2));
const log = createLogger('vpp-rpc-server', cfg.logLevel);
await runUntilSignalled(log, () => startServer(cfg, log));
