/**
 * The two VPPs an end-to-end battery runs against: the simulator and the real
 * VPP of ../shared/vpp. `forEachBackend` declares a suite once per backend;
 * the real one is left out (saying so in one line) where no real VPP can run,
 * and always runs under CI (see describeRealVpp).
 *
 * What only one backend can do (the simulator's control socket, its
 * UNIMPLEMENTED answers) stays behind `backend.kind === 'sim'` in the tests.
 */
import { after, before } from 'node:test';
import { simControl } from './http.ts';
import { describeRealVpp, describeSim, startRealVpp, type RealVpp } from './real-vpp.ts';
import { untilReady } from './ready.ts';
import { stopProcess } from './stopped.ts';
import { startStack, type Stack, type StackOptions } from './stack.ts';

export type BackendKind = 'sim' | 'real';

/** A stack in front of one VPP, with the faults every backend can suffer. */
export interface BackendStack extends Stack {
  kind: BackendKind;
  /** the real VPP behind the stack (undefined on the simulator) */
  vpp: RealVpp | undefined;
  /** VPP dies at once (SIGKILL), as in a crash */
  killVpp(): Promise<void>;
  /** VPP starts again in the same place after killVpp() */
  startVpp(): Promise<void>;
  /** VPP stops answering until the returned function is called: the simulator delays, the real VPP is SIGSTOPped */
  freezeVpp(): Promise<() => Promise<void>>;
}

export interface Backend {
  kind: BackendKind;
  /** start the product in front of this backend: a simulator, or a fresh real VPP stopped with the stack */
  startStack(opts?: StackOptions): Promise<BackendStack>;
}

/** How long a frozen simulator holds each reply: longer than any deadline a test sets while frozen. */
const FROZEN_SIM_MS = 3000;

const simBackend: Backend = {
  kind: 'sim',
  async startStack(opts = {}) {
    const stack = await startStack(opts);
    return Object.assign(stack, {
      kind: 'sim' as const,
      vpp: undefined,
      async killVpp() {
        await stack.sim!.kill();
      },
      async startVpp() {
        await stack.restartSim();
      },
      async freezeVpp() {
        await simControl(stack.socket, { cmd: 'delay', ms: FROZEN_SIM_MS });
        return async () => {
          await simControl(stack.socket, { cmd: 'delay', ms: 0 });
        };
      },
    });
  },
};

export const realBackend: Backend = {
  kind: 'real',
  async startStack(opts = {}) {
    const vpp = await startRealVpp();
    let stack: Stack;
    try {
      stack = await startStack({ ...opts, vppSocket: vpp.apiSocket });
    } catch (e) {
      await vpp.stop();
      throw e;
    }
    const stopStack = stack.stop.bind(stack);
    return Object.assign(stack, {
      kind: 'real' as const,
      vpp,
      async stop() {
        await stopStack();
        await vpp.stop();
      },
      async killVpp() {
        vpp.signal('SIGKILL');
      },
      async startVpp() {
        await vpp.restart();
      },
      async freezeVpp() {
        await stopProcess(vpp.pid, 'VPP');
        return async () => vpp.signal('SIGCONT');
      },
    });
  },
};

/** Declare the suite `name` once on the simulator and once on a real VPP. */
export function forEachBackend(name: string, fn: (backend: Backend) => void): void {
  describeSim(`${name} [simulator]`, () => fn(simBackend));
  describeRealVpp(name, () => fn(realBackend));
}

/**
 * A stack in front of `backend` for the tests of the enclosing suite: started
 * (and serving, VPP connected) before them, stopped after them.
 */
export function stackFor(backend: Backend, opts?: StackOptions): () => BackendStack {
  let stack: BackendStack | undefined;
  before(async () => {
    stack = await backend.startStack(opts);
    await untilReady(stack);
  });
  after(() => stack?.stop());
  return () => stack!;
}
