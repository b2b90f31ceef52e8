/**
 * The VPP client alone: control_ping to the simulator running as its own
 * process, over a real unix socket, one at a time and pipelined.
 *   npx tsx bench/client.ts          (or VPP_API_SOCKET=/run/vpp/api.sock for a real VPP)
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../lib/project.ts';
import { loadErrorTable } from '../vpp/api/errors.ts';
import { loadProtoDir } from '../vpp/api/load-proto.ts';
import { VppClient } from '../vpp/client/index.ts';
import { createCodec } from '../vpp/codec/index.ts';
import { startSim } from '../test/support/stack.ts';
import { concurrent, fmt, sequential } from './measure.ts';

const protoDir = join(PROJECT_ROOT, 'proto');
const real = process.env.VPP_API_SOCKET;
const sim =
  real && existsSync(real) ? undefined : await startSim(join('/tmp', `vpp-rpc-client-bench-${process.pid}.sock`));
const socketPath = sim ? String(sim.ready.socket) : real!;
const { model } = loadProtoDir(protoDir);
const client = new VppClient({
  model,
  codec: createCodec(model),
  errors: loadErrorTable(protoDir),
  socketPath,
  reconnect: false,
});
await client.connect();
const ping = (): Promise<unknown> => client.request('control_ping');

console.log(`control_ping to ${sim ? 'the simulator' : socketPath}, node ${process.version}\n`);
const seq = await sequential(ping, 20_000);
console.log(`one at a time: p50 ${fmt.ms(seq.p50)} ms, p99 ${fmt.ms(seq.p99)} ms, ${fmt.int(seq.rps)} calls/s`);
for (const inFlight of [16, 64, 256, 1024]) {
  await concurrent(ping, 5_000, inFlight);
  console.log(
    `pipelined, ${String(inFlight).padStart(4)} in flight: ${fmt.int(await concurrent(ping, 100_000, inFlight))} calls/s`,
  );
}
await client.close();
await sim?.stop();
