/** VPP's error table (retval → symbol and text), read from proto/vpprpc/errors.proto. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';

export interface VppErrorInfo {
  retval: number;
  symbol: string;
  text: string;
}

export class VppErrorTable {
  constructor(private readonly byRetval: ReadonlyMap<number, VppErrorInfo>) {}

  get size(): number {
    return this.byRetval.size;
  }

  /** What a retval means; values missing from the table still get a symbol. */
  describe(retval: number): VppErrorInfo {
    return this.byRetval.get(retval) ?? { retval, symbol: `VPP_ERROR_${retval}`, text: `VPP error ${retval}` };
  }

  /** The retval of a symbol, e.g. `UNIMPLEMENTED` → -9. */
  retvalOf(symbol: string): number | undefined {
    for (const e of this.byRetval.values()) if (e.symbol === symbol) return e.retval;
    return undefined;
  }
}

/** The entries of `<protoDir>/vpprpc/errors.proto` (what `make build` caches beside the model). */
export function errorEntries(protoDir: string): VppErrorInfo[] {
  const path = join(protoDir, 'vpprpc/errors.proto');
  const parsed = protobuf.parse(readFileSync(path, 'utf8'), new protobuf.Root(), { keepCase: true });
  const e = parsed.root.lookupEnum('vpprpc.VppError');
  const entries: VppErrorInfo[] = [];
  for (const [symbol, retval] of Object.entries(e.values)) {
    if (retval === 0) continue;
    const text = e.valuesOptions?.[symbol]?.['(vpprpc.error_text)'];
    entries.push({ retval, symbol, text: typeof text === 'string' ? text : symbol });
  }
  return entries;
}

export function errorTableOf(entries: VppErrorInfo[]): VppErrorTable {
  return new VppErrorTable(new Map(entries.map((e) => [e.retval, e])));
}

/** Read `<protoDir>/vpprpc/errors.proto`. */
export function loadErrorTable(protoDir: string): VppErrorTable {
  return errorTableOf(errorEntries(protoDir));
}
