import { crc32 } from 'node:zlib';
import { BASE62, randomBase62 } from '../core/crypto';

/**
 * Key format: `psk_<8 id chars>.<32 secret chars><6 checksum chars>`, all base62.
 * - `psk_` tags the key as ours, for secret scanners and people.
 * - The 12-character public prefix (`psk_` + 8) is unique and indexed; it is what the UI shows.
 * - The secret has 32 x log2(62) = 190.5 bits from the CSPRNG.
 * - The checksum (CRC-32 of everything before it) lets a malformed or mistyped key be refused
 *   before any database read.
 */
export const KEY_TAG = 'psk_';
const ID_LENGTH = 8;
const SECRET_LENGTH = 32;
const CHECKSUM_LENGTH = 6;

const keyPattern = new RegExp(
  `^(${KEY_TAG}[0-9A-Za-z]{${ID_LENGTH}})\\.([0-9A-Za-z]{${SECRET_LENGTH}})([0-9A-Za-z]{${CHECKSUM_LENGTH}})$`,
);

function checksum(body: string): string {
  let value = crc32(body);
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = BASE62[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

export interface GeneratedKey {
  key: string;
  prefix: string;
}

export function generateApiKey(): GeneratedKey {
  const prefix = KEY_TAG + randomBase62(ID_LENGTH);
  const body = `${prefix}.${randomBase62(SECRET_LENGTH)}`;
  return { key: body + checksum(body), prefix };
}

/** A well-formed key with a valid checksum, and its public prefix: what `parseApiKey` returns. */
export interface ParsedApiKey {
  readonly key: string;
  readonly prefix: string;
}

/** The key and its public prefix when it is well-formed with a valid checksum, else null. Reads no database. */
export function parseApiKey(key: string): ParsedApiKey | null {
  const match = keyPattern.exec(key);
  if (!match) return null;
  const [, prefix, secret, sum] = match;
  return checksum(`${prefix}.${secret}`) === sum ? { key, prefix: prefix! } : null;
}
