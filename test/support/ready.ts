/** Waiting for a stack to serve: VPP connected behind a listening gateway. */
import { request } from './http.ts';
import { waitFor } from './observe.ts';
import type { Stack } from './stack.ts';

/** Until the gateway's /readyz says the server answers and VPP is connected. */
export async function untilReady(stack: Stack, timeoutMs = 60_000): Promise<void> {
  await waitFor('stack ready', async () => (await request(`${stack.rest}/readyz`)).status === 200, timeoutMs);
}
