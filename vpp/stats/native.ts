/**
 * The statseg addon (native/statseg), loaded on first use. Node can neither
 * receive a file descriptor nor map memory; without the addon the stats calls
 * fail with UNAVAILABLE and the reason, and nothing else is affected.
 *
 * VPP_STATS_ADDON: another path to statseg.node, or `off` to run without it.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../lib/project.ts';
import { StatsError } from './errors.ts';

export interface Mapping {
  buffer: ArrayBuffer;
  /** for unmap() */
  id: number;
}

export interface StatsegAddon {
  /** connect the SEQPACKET socket, receive the segment's fd, map it read-only (off the main thread) */
  openSegment(socketPath: string, timeoutMs: number): Promise<Mapping>;
  /** detach the buffer, then munmap */
  unmap(id: number, buffer?: ArrayBuffer): void;
  /** a memfd of `size` bytes mapped read-write */
  createSegment(name: string, size: number): Mapping & { fd: number };
  closeFd(fd: number): void;
  /** listen on a SEQPACKET socket; each client gets `fd` (served from the event loop) */
  serveSegment(socketPath: string, fd: number): object;
  stopServing(handle: object): void;
}

export const DEFAULT_ADDON_PATH = join(PROJECT_ROOT, 'native', 'statseg', 'build', 'Release', 'statseg.node');

// by the setting they came from, so that a changed VPP_STATS_ADDON takes effect
const loaded = new Map<string, StatsegAddon>();
const failures = new Map<string, string>();

/** Why the addon cannot be used, or undefined when it can (loads it). */
export function addonUnavailable(): string | undefined {
  const setting = process.env.VPP_STATS_ADDON ?? '';
  if (loaded.has(setting)) return undefined;
  const known = failures.get(setting);
  if (known) return known;
  const why = tryLoad(setting);
  if (why) failures.set(setting, why);
  return why;
}

function tryLoad(setting: string): string | undefined {
  if (setting === 'off') return 'the stats segment reader is turned off (VPP_STATS_ADDON=off)';
  const path = setting || DEFAULT_ADDON_PATH;
  if (!existsSync(path)) {
    return `the native stats addon ${path} is missing: build it with \`npm run build:native\` (needs a C compiler and Node's headers)`;
  }
  try {
    loaded.set(setting, createRequire(import.meta.url)(path) as StatsegAddon);
    return undefined;
  } catch (err) {
    return `the native stats addon ${path} does not load: ${(err as Error).message}`;
  }
}

/** The addon, or a StatsError UNAVAILABLE that says why not. */
export function statseg(): StatsegAddon {
  const why = addonUnavailable();
  if (why) throw new StatsError('UNAVAILABLE', why);
  return loaded.get(process.env.VPP_STATS_ADDON ?? '')!;
}
