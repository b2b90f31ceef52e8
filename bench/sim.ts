/**
 * The client and the VPP simulator in one process, over a unix socket:
 * requests per second with many in flight, and the time to dump 10,000
 * interfaces. Shows that the simulator keeps up with what it is used to test.
 *   npx tsx bench/sim.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadErrorTable } from '../vpp/api/errors.ts';
import { loadProtoDir } from '../vpp/api/load-proto.ts';
import { VppClient } from '../vpp/client/index.ts';
import { createCodec } from '../vpp/codec/index.ts';
import { VppSimulator } from '../vpp/sim/simulator.ts';
import { PROTO_DIR } from '../test/support/paths.ts';

const INTERFACES = 10_000;
const REQUESTS = 20_000;
const ROUNDS = 5;

const { model } = loadProtoDir(PROTO_DIR);
const api = { model, codec: createCodec(model), errors: loadErrorTable(PROTO_DIR) };
const dir = mkdtempSync(join(tmpdir(), 'vpp-sim-bench-'));
const socketPath = join(dir, 'api.sock');
const sim = new VppSimulator({ ...api, socketPath, interfaces: INTERFACES });
await sim.start();
const client = new VppClient({ ...api, socketPath, reconnect: false });
await client.connect();

for (let round = 1; round <= ROUNDS; round++) {
  let t = performance.now();
  let details = 0;
  for await (const _ of client.dump('sw_interface_dump', {})) details++;
  const dumpMs = performance.now() - t;
  t = performance.now();
  await Promise.all(Array.from({ length: REQUESTS }, () => client.request('show_version')));
  const rate = REQUESTS / ((performance.now() - t) / 1000);
  console.log(
    `round ${round}: dump of ${details} interfaces ${dumpMs.toFixed(0)} ms, ` +
      `${REQUESTS} show_version ${Math.round(rate).toLocaleString('en')} requests/s`,
  );
}

await client.close();
await sim.stop();
rmSync(dir, { recursive: true, force: true });
