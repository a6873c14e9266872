import { describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/api-keys/api-key-format';
import { digestBytes, matchesDigest, secretDigest } from '../../src/core/crypto';

describe('stored secret digests', () => {
  const { key } = generateApiKey();
  const stored = secretDigest(key);

  it('names the algorithm and never holds the secret', () => {
    expect(stored).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(stored).not.toContain(key);
  });

  it('matches the secret it was made from, and nothing else', () => {
    const expected = digestBytes(stored);
    expect(expected).toHaveLength(32);
    expect(matchesDigest(key, expected)).toBe(true);
    expect(matchesDigest(generateApiKey().key, expected)).toBe(false);
    expect(matchesDigest(`${key} `, expected)).toBe(false);
    const lastByteFlipped = Buffer.from(expected);
    lastByteFlipped[31]! ^= 1;
    expect(matchesDigest(key, lastByteFlipped)).toBe(false);
    expect(matchesDigest(key, expected.subarray(0, 31))).toBe(false);
    expect(matchesDigest(key, Buffer.alloc(0))).toBe(false);
  });

  it('refuses a stored digest of an algorithm it does not know', () => {
    expect(() => digestBytes(`md5:${stored.slice('sha256:'.length)}`)).toThrow(/unknown digest algorithm: md5/);
  });
});
