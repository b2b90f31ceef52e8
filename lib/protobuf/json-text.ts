/**
 * JSON text of scalar values as the proto3 JSON mapping writes them.
 */

/** Not-finite doubles are the strings "NaN", "Infinity" and "-Infinity"; -0 stays -0. */
export function doubleText(x: number): string {
  if (Number.isFinite(x)) return x === 0 && 1 / x < 0 ? '-0' : String(x);
  return x !== x ? '"NaN"' : x > 0 ? '"Infinity"' : '"-Infinity"';
}

/** The shortest decimal that reads back as the same float32 (1.1f prints as 1.1, not 1.100000023841858). */
export function floatText(x: number): string {
  if (!Number.isFinite(x) || x === 0) return doubleText(x);
  for (let digits = 1; digits < 9; digits++) {
    const shorter = Number(x.toPrecision(digits));
    if (Math.fround(shorter) === x) return String(shorter);
  }
  return String(Number(x.toPrecision(9)));
}

/** A JSON string literal. JSON.stringify escapes exactly what JSON needs, lone surrogates included. */
export const quote = (s: string): string => JSON.stringify(s);
