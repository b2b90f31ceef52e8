/**
 * Interface events over gRPC from TypeScript: prints each event until Ctrl-C
 * (or `count` events).
 *
 *   npx tsx examples/typescript/watch-interfaces.ts [localhost:9111] [count]
 */
import { credentials } from '@grpc/grpc-js';
import { InterfaceClient } from '../../clients/typescript/generated/vpp/interface.js';
import { ifStatusFlagsToJSON } from '../../clients/typescript/generated/vpp/interface_types.js';

const target = process.argv[2] ?? 'localhost:9111';
const count = Number(process.argv[3] ?? 0);
const itf = new InterfaceClient(target, credentials.createInsecure());
const events = itf.wantInterfaceEvents({ enable_disable: 1, pid: 0 });

let seen = 0;
events.on('metadata', () => console.log('watching interface events'));
events.on('data', (ev: { sw_if_index: number; flags: number[]; deleted: boolean }) => {
  const flags = ev.flags.map(ifStatusFlagsToJSON).join(', ') || 'down';
  console.log(`sw_if_index ${ev.sw_if_index}: ${flags}${ev.deleted ? ' (deleted)' : ''}`);
  if (count && ++seen >= count) events.cancel();
});
events.on('error', (e: { code: number; details: string }) => {
  if (e.code !== 1) console.error(`stream ended: ${e.details}`); // 1: cancelled by us
  itf.close();
});
process.on('SIGINT', () => events.cancel());
