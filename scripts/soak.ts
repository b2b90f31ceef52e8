/**
 * npm run soak (make soak): the soak test for minutes and a larger hostile
 * corpus, one after the other so that neither skews the other's figures.
 * SOAK_SECONDS (default 180) and HOSTILE_REQUESTS (default 100000) size them.
 */
import { spawnSync } from 'node:child_process';

const env = {
  ...process.env,
  SOAK_SECONDS: process.env.SOAK_SECONDS || '180',
  HOSTILE_REQUESTS: process.env.HOSTILE_REQUESTS || '100000',
};
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', 'test/soak.test.ts', 'test/hostile.test.ts'],
  { stdio: 'inherit', env },
);
process.exit(r.status ?? 1);
