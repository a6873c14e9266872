import { hash, randomInt, timingSafeEqual } from 'node:crypto';

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

/** The raw bytes of a stored digest, for comparing in memory with `matchesDigest`. */
export function digestBytes(storedDigest: string): Buffer {
  const [algorithm, hex = ''] = storedDigest.split(':');
  if (algorithm !== DIGEST_ALGORITHM) throw new Error(`unknown digest algorithm: ${algorithm}`);
  return Buffer.from(hex, 'hex');
}

/** Whether a presented secret has this digest, compared in constant time. */
export function matchesDigest(secret: string, digest: Buffer): boolean {
  // One-shot hash straight to bytes: no hex, no copies, on every keyed request.
  const presented = hash(DIGEST_ALGORITHM, secret, 'buffer');
  return presented.length === digest.length && timingSafeEqual(presented, digest);
}
