/** Option parsers both processes share, where commander's own behaviour is not what users expect. */
import { InvalidArgumentError, type Command } from 'commander';
import { parseHostPort } from './listen.ts';

const ON = ['1', 'true', 'yes', 'on'];
const OFF = ['', '0', 'false', 'no', 'off'];

/**
 * The value of a switch (`--read-only`). commander turns a switch on whenever
 * its environment variable is set, even to `false`: read the variable's text.
 */
export function readSwitch(cmd: Command, key: string): boolean {
  const value = Boolean(cmd.getOptionValue(key));
  if (cmd.getOptionValueSource(key) !== 'env') return value;
  const env = cmd.options.find((o) => o.attributeName() === key)?.envVar;
  const text = (process.env[env ?? ''] ?? '').trim().toLowerCase();
  if (ON.includes(text)) return true;
  if (OFF.includes(text)) return false;
  cmd.error(`${env}: expected true or false, got "${process.env[env ?? '']}"`);
}

/** A count where 0 (or `off`) means no limit. */
export function limitArg(v: string): number {
  if (v.trim() === 'off') return 0;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number (0 or "off": no limit)');
  return n;
}

/** A rate per second, fractions allowed (0.5: one every two seconds); 0 or `off`: none. */
export function rateArg(v: string): number {
  if (v.trim() === 'off') return 0;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number of requests per second');
  return n;
}

export function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

/** A listen address; empty or `off` turns the listener off. */
export function hostPort(v: string): string {
  if (v === '' || v === 'off') return '';
  try {
    parseHostPort(v, 'address');
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
  return v;
}

/** etcd's members: `host:port` (or `http://host:port`) separated by commas. */
export function endpointList(v: string): string[] {
  const list = v
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (list.length === 0) throw new InvalidArgumentError('expected host:port, separated by commas');
  for (const e of list)
    try {
      parseHostPort(e.replace(/^http:\/\//, ''), 'endpoint');
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  return list;
}
