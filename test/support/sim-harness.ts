/**
 * In-process simulators on temporary sockets, and clients of them; the VPP API
 * they use is test/support/api.ts's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach } from 'node:test';
import { VppClient, type VppClientOptions } from '../../vpp/client/index.ts';
import { VppSimulator, type VppSimulatorOptions } from '../../vpp/sim/simulator.ts';
import { loadApi } from './api.ts';
import { RawVpp } from './raw-vpp.ts';
import { waitFor } from './wait.ts';

export { loadApi, type Api } from './api.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A fresh socket path in a temporary folder removed when the test file ends. */
export function tempSocket(name = 'api.sock'): string {
  const dir = mkdtempSync(join(tmpdir(), 'vpp-sim-test-'));
  dirs.push(dir);
  return join(dir, name);
}

/** A started simulator; stop it with `await sim.stop()`. */
export async function startSimulator(opts: Partial<VppSimulatorOptions> = {}): Promise<VppSimulator> {
  const sim = new VppSimulator({ ...loadApi(), socketPath: tempSocket(), ...opts });
  await sim.start();
  return sim;
}

/**
 * Simulators for the tests of one file, each stopped after its test:
 * `fresh()` starts one with a registered raw client, `track()` adopts one.
 */
export function simulatorPool(): {
  fresh(opts?: Partial<VppSimulatorOptions>): Promise<{ sim: VppSimulator; vpp: RawVpp }>;
  track(sim: VppSimulator): VppSimulator;
} {
  let sims: VppSimulator[] = [];
  afterEach(async () => {
    await Promise.all(sims.map((s) => s.stop()));
    sims = [];
  });
  const track = (sim: VppSimulator): VppSimulator => {
    sims.push(sim);
    return sim;
  };
  return {
    track,
    async fresh(opts = {}) {
      const sim = track(await startSimulator(opts));
      return { sim, vpp: await RawVpp.register(sim.socketPath, loadApi().codec) };
    },
  };
}

/** Resolves when `check` is true, testing after each of the emitter's events (and now). */
export function until(
  emitter: { on(e: string, f: () => void): unknown; off(e: string, f: () => void): unknown },
  events: string[],
  check: () => boolean,
): Promise<void> {
  return new Promise((resolve) => {
    const test = (): void => {
      if (!check()) return;
      for (const e of events) emitter.off(e, test);
      resolve();
    };
    for (const e of events) emitter.on(e, test);
    test();
  });
}

/** Resolves once `check` is true, looking every few ms; rejects after a deadline that only bounds a hang. */
export async function eventually(check: () => boolean, what = 'the condition'): Promise<void> {
  await waitFor(what, check, 10_000, 5);
}

/** VppClients for the tests of one file, each closed after its test. */
export function clientPool(): (sim: VppSimulator, opts?: Partial<VppClientOptions>) => Promise<VppClient> {
  let clients: VppClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
    clients = [];
  });
  return async (sim, opts = {}) => {
    const client = new VppClient({ ...loadApi(), socketPath: sim.socketPath, reconnect: false, ...opts });
    clients.push(client);
    await client.connect();
    return client;
  };
}
