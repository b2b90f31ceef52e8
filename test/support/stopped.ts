/**
 * SIGSTOP takes effect when each thread of the process next runs: on a busy
 * machine a multi-threaded process (etcd, VPP) can go on for milliseconds
 * after kill() returns, long enough to answer a request sent right after.
 * A test that needs the process to be stopped waits for it here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { waitFor } from './wait.ts';

/** A thread's state letter from /proc/<pid>/task/<tid>/stat ('T' when stopped); undefined once gone. */
function threadState(pid: number, tid: string): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    // the command name (in parentheses) may hold spaces: the state follows its last ')'
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

/** Whether every thread of `pid` is stopped by a signal. */
export function isStopped(pid: number): boolean {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return false;
  }
  return tids.length > 0 && tids.every((tid) => ['T', undefined].includes(threadState(pid, tid)));
}

/** Send SIGSTOP to `pid` and wait until all of its threads have stopped. */
export async function stopProcess(pid: number, what: string): Promise<void> {
  process.kill(pid, 'SIGSTOP');
  await waitFor(`${what} (pid ${pid}) stopped by SIGSTOP`, () => isStopped(pid), 10_000, 2);
}
