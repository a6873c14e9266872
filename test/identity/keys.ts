import { crc32 } from 'node:zlib';
import { BASE62 } from '../../src/core/crypto';

/** Checksum of `<prefix>.<secret>` as documented in api-key-format.ts: CRC-32 in 6 base62 digits. */
function checksum(body: string): string {
  let value = crc32(body);
  let out = '';
  for (let i = 0; i < 6; i++) {
    out = BASE62[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

const SECRET_LENGTH = 32;

/** The key's own prefix with another secret and a valid checksum: well formed, wrong. */
export function withWrongSecret(key: string): string {
  const [prefix, rest] = key.split('.') as [string, string];
  const secret = rest.slice(0, SECRET_LENGTH);
  const other = [...secret].map((char) => BASE62[(BASE62.indexOf(char) + 1) % 62]).join('');
  return `${prefix}.${other}${checksum(`${prefix}.${other}`)}`;
}

/** The right key with one checksum character changed. */
export function withBrokenChecksum(key: string): string {
  const last = key.at(-1)!;
  return key.slice(0, -1) + BASE62[(BASE62.indexOf(last) + 1) % 62];
}

/** Confirms the helper agrees with the real format (a real key re-checksummed is unchanged). */
export function recomputeChecksum(key: string): string {
  const body = key.slice(0, -6);
  return body + checksum(body);
}
