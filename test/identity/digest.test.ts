import { describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/api-keys/api-key-format';
import { digestHex, matchesDigest, secretDigest } from '../../src/core/crypto';

describe('stored secret digests', () => {
  const { key } = generateApiKey();
  const stored = secretDigest(key);

  it('names the algorithm and never holds the secret', () => {
    expect(stored).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(stored).not.toContain(key);
  });

  it('matches the secret it was made from, and nothing else', () => {
    const expected = digestHex(stored);
    expect(matchesDigest(key, expected)).toBe(true);
    expect(matchesDigest(generateApiKey().key, expected)).toBe(false);
    expect(matchesDigest(`${key} `, expected)).toBe(false);
    const lastCharFlipped = expected.slice(0, -1) + (expected.endsWith('0') ? '1' : '0');
    expect(matchesDigest(key, lastCharFlipped)).toBe(false);
    expect(matchesDigest(key, expected.slice(0, -2))).toBe(false);
    expect(matchesDigest(key, '')).toBe(false);
  });

  it('refuses a stored digest of an algorithm it does not know', () => {
    expect(() => digestHex(`md5:${digestHex(stored)}`)).toThrow(/unknown digest algorithm: md5/);
  });
});
