/**
 * Base64 for `bytes` in JSON: standard alphabet with padding on output; on
 * input the standard or the URL-safe alphabet (not mixed), padded or not.
 * Buffer's own decoder skips characters it does not know, so input is
 * checked first.
 */

const STANDARD = /^[A-Za-z0-9+/]*={0,2}$/;
const URL_SAFE = /^[A-Za-z0-9_-]*={0,2}$/;

export function encodeBase64(bytes: Uint8Array): string {
  const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return b.toString('base64');
}

/** The bytes of `text`, or undefined when it is not base64. */
export function decodeBase64(text: string): Buffer | undefined {
  if (!STANDARD.test(text) && !URL_SAFE.test(text)) return undefined;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  if (padding > 0 && text.length % 4 !== 0) return undefined;
  // one character left over carries only 6 bits: not a whole byte
  if ((text.length - padding) % 4 === 1) return undefined;
  return Buffer.from(text, 'base64');
}
