/**
 * The stats-segment reader the server uses. This build has none yet: every
 * Stats call answers UNAVAILABLE saying so, and the rest of the server works.
 */
import type { StatsReaderFactory } from './stats-source.ts';

export const statsReaderFactory: StatsReaderFactory = () => {
  throw new Error('this build of vpp-rpc has no stats-segment reader (vpp/stats)');
};
