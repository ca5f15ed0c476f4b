/**
 * Block ids: ULIDs (26 Crockford base-32 characters, 48-bit millisecond time then 80 random bits), so that ids
 * sort by creation time as strings, as Prometheus's block ids do.
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ULID_RE = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** A new ULID for time `nowMs` (default: the clock). `random` (10 bytes) is for tests. */
export function newBlockId(nowMs: number = Date.now(), random: Uint8Array = randomBytes(10)): string {
  let out = '';
  let t = Math.floor(nowMs);
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32]! + out;
    t = Math.floor(t / 32);
  }
  // 80 random bits as 16 characters of 5 bits.
  let acc = 0, bits = 0;
  for (let i = 0; i < 10; i++) {
    acc = (acc << 8) | random[i]!;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(acc >>> bits) & 31]!;
    }
    acc &= (1 << bits) - 1;
  }
  return out;
}

/** True if `name` has the shape of a block id (a complete block directory's name). */
export function isBlockId(name: string): boolean {
  return ULID_RE.test(name);
}
