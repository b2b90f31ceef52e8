/** The stats-segment reader the server uses: vpp/stats over the native addon. */
import { SegmentReader } from '../../vpp/stats/reader.ts';
import type { StatsReaderFactory } from './source.ts';

export const statsReaderFactory: StatsReaderFactory = (socketPath) => new SegmentReader({ socketPath });
