/**
 * `npx tsx bench/footprint-only.ts`: the footprint part of `make bench` alone
 * (launch to listening, CPU, RSS of each process; bench/footprint.ts), printed.
 */
import { join } from 'node:path';
import { PROJECT_ROOT } from '../lib/project.ts';
import { loadProtoDir, messageTypes } from '../vpp/api/load-proto.ts';
import { footprint } from './footprint.ts';

const types = messageTypes(loadProtoDir(join(PROJECT_ROOT, 'proto')).root);
for (const line of (await footprint(types)).lines) console.log(line);
