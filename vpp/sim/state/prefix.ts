/**
 * IP addresses and prefixes as the simulator's state keeps them: the family,
 * the address bytes and a length. Text goes through the codec's own parsers,
 * so that the simulator accepts and prints exactly what the wire carries.
 */
import { formatIp4, formatIp6, TEXT_CODECS } from '../../codec/index.ts';

export interface IpPrefix {
  isIp6: boolean;
  /** 4 or 16 bytes */
  addr: Buffer;
  len: number;
}

/** vl_api_prefix_t: family byte, 16-byte union, length byte */
const PREFIX_SIZE = 18;

/** "10.0.0.1/24" or "2001:db8::1/64" (host bits kept). Throws TextError for bad text. */
export function parsePrefix(text: string): IpPrefix {
  const buf = Buffer.alloc(PREFIX_SIZE);
  TEXT_CODECS.prefix.write(buf, 0, text);
  const isIp6 = buf[0] === 1;
  return { isIp6, addr: Buffer.from(buf.subarray(1, isIp6 ? 17 : 5)), len: buf[17]! };
}

export const maxLength = (p: { isIp6: boolean }): number => (p.isIp6 ? 128 : 32);

function formatAddress(isIp6: boolean, addr: Uint8Array): string {
  return isIp6 ? formatIp6(addr, 0) : formatIp4(addr, 0);
}

export function prefixText(p: IpPrefix): string {
  return `${formatAddress(p.isIp6, p.addr)}/${p.len}`;
}

export function addressText(p: IpPrefix): string {
  return formatAddress(p.isIp6, p.addr);
}

/** The same prefix with its host bits set to 0 (`set` 1: to 1, the broadcast address). */
export function withHostBits(p: IpPrefix, set: 0 | 1, len = p.len): IpPrefix {
  const addr = Buffer.from(p.addr);
  for (let bit = len; bit < addr.length * 8; bit++) {
    const mask = 0x80 >> (bit % 8);
    if (set) addr[bit >> 3]! |= mask;
    else addr[bit >> 3]! &= ~mask;
  }
  return { isIp6: p.isIp6, addr, len };
}

/** The host route of the address of `p` (/32 or /128). */
export const hostRoute = (p: IpPrefix): IpPrefix => ({ isIp6: p.isIp6, addr: p.addr, len: maxLength(p) });

/** Whether `addr` lies inside the network `net`. */
export function covers(net: IpPrefix, addr: IpPrefix): boolean {
  return net.isIp6 === addr.isIp6 && withHostBits(addr, 0, net.len).addr.equals(withHostBits(net, 0).addr);
}

/** A key that identifies a prefix within one family. */
export const prefixKey = (p: IpPrefix): string => `${p.addr.toString('hex')}/${p.len}`;

/** Address order, then shorter first: how VPP's `show ip fib` lists a table. */
export function compareByAddress(a: IpPrefix, b: IpPrefix): number {
  return Buffer.compare(a.addr, b.addr) || a.len - b.len;
}

/** Shorter first, then address order: the order of the simulator's route dumps. */
export function compareByLength(a: IpPrefix, b: IpPrefix): number {
  return a.len - b.len || Buffer.compare(a.addr, b.addr);
}
