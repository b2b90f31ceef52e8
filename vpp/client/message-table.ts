/**
 * VPP's message table (from sockclnt_create_reply) against the model: the
 * runtime id of each message, and which messages are compatible, changed or missing.
 */
import type { ApiModel } from '../api/model.ts';

export interface CompatReport {
  /** messages VPP has with the same CRC */
  compatible: string[];
  /** messages VPP has under the same name with another CRC */
  changed: { name: string; ours: string; vpp: string }[];
  /** messages VPP does not have at all (plugin not loaded, or not in this release) */
  missing: string[];
  /** messages in VPP's table that the model does not know */
  unknown: string[];
}

/** `show_version_51077d14` → [`show_version`, `0x51077d14`] */
export function splitNameCrc(key: string): [string, string] {
  const i = key.lastIndexOf('_');
  return [key.slice(0, i), `0x${key.slice(i + 1)}`];
}

export class MessageTable {
  /** runtime id by message name, for compatible messages only */
  readonly idOf = new Map<string, number>();
  /** message name by runtime id, for compatible messages only */
  readonly nameOf = new Map<number, string>();
  /** VPP's CRC by name, for every message in its table */
  readonly vppCrc = new Map<string, string>();
  readonly report: CompatReport;

  constructor(model: ApiModel, entries: { index: number; name: string }[]) {
    const compatible: string[] = [];
    const changed: CompatReport['changed'] = [];
    const unknown: string[] = [];
    for (const e of entries) {
      const [name, crc] = splitNameCrc(e.name);
      this.vppCrc.set(name, crc);
      const def = model.messages.get(name);
      if (!def) unknown.push(name);
      else if (def.crc === crc) {
        this.idOf.set(name, e.index);
        this.nameOf.set(e.index, name);
        compatible.push(name);
      } else changed.push({ name, ours: def.crc, vpp: crc });
    }
    const missing = [...model.messages.keys()].filter((n) => !this.vppCrc.has(n));
    const byName = (a: string, b: string): number => a.localeCompare(b);
    this.report = {
      compatible: compatible.sort(byName),
      changed: changed.sort((a, b) => byName(a.name, b.name)),
      missing: missing.sort(byName),
      unknown: unknown.sort(byName),
    };
  }
}
