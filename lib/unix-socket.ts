/**
 * Unix socket paths: whether a process answers on one, and listening on one
 * that a killed process may have left behind (a file nobody answers on is
 * stale and is replaced; one that answers belongs to a live process).
 */
import { existsSync, rmSync, statSync } from 'node:fs';
import { connect, type Server } from 'node:net';

/** Whether something accepts connections on `path`. */
export function socketAnswers(path: string): Promise<boolean> {
  if (!existsSync(path) || !statSync(path).isSocket()) return Promise.resolve(false);
  return new Promise((resolve) => {
    const s = connect({ path });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function listenOnce(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    server.once('error', onError);
    server.listen(path, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** Listen on `path`, replacing a stale socket file; fails if a live process has it. */
export async function listenUnix(server: Server, path: string): Promise<void> {
  try {
    await listenOnce(server, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    if (await socketAnswers(path)) throw new Error(`${path}: another process is listening on this socket`);
    rmSync(path, { force: true });
    await listenOnce(server, path);
  }
}

/** Close the server and remove its socket file. */
export function closeUnix(server: Server, path: string): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => {
      rmSync(path, { force: true });
      resolve();
    });
  });
}
