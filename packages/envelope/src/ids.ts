// Event ids: UUIDv7 (RFC 9562), time-ordered so ids sort by creation and index well.
import { randomBytes } from 'node:crypto';

const HEX = Buffer.from('0123456789abcdef', 'latin1');

/** A new UUIDv7: 48-bit Unix milliseconds, version 7, 74 random bits, RFC 9562 variant. */
export function uuidv7(now: number = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  // Formatted byte by byte into one buffer: a flat string, where slicing and concatenating
  // would leave a tree of string pieces that costs several times the memory in a dedupe window.
  const out = Buffer.allocUnsafe(36);
  let at = 0;
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) out[at++] = 0x2d; // '-'
    out[at++] = HEX[bytes[i]! >> 4]!;
    out[at++] = HEX[bytes[i]! & 15]!;
  }
  return out.toString('latin1');
}
