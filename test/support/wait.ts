/**
 * Waiting for a state: look again and again until it holds. Tests never sleep
 * a fixed time to wait for something, and the deadline here only bounds a hang
 * (a busy machine is slow, not wrong).
 */
import { performance } from 'node:perf_hooks';

/** Poll `check` every `everyMs` until it holds; the ms it took. Throws after timeoutMs. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  everyMs = 20,
): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    if (await check()) return performance.now() - t0;
    if (performance.now() - t0 > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Resolves as `promise` does; rejects after timeoutMs, a hang guard, saying what never came. */
export async function settles<T>(what: string, promise: Promise<T>, timeoutMs = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, guard]);
  } finally {
    clearTimeout(timer);
  }
}
