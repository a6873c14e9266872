import argon2 from 'argon2';

/** OWASP's argon2id recommendation (19 MiB, t=2, p=1): strong, yet cheap enough to verify at login rates. */
const options = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 12;
/** Upper bound so a huge "password" cannot be used to burn CPU. */
export const PASSWORD_MAX_LENGTH = 1024;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, options);
}

/**
 * A hash of a random value, verified against when the email is unknown so both paths take as long.
 * Made on first use, so that start-up and every CLI run do not spend a hash on it.
 */
let decoyHash: Promise<string> | undefined;

/** Verifies `password` against `hash`, or against a decoy when there is no user, in similar time. */
export async function verifyPassword(hash: string | undefined, password: string): Promise<boolean> {
  if (hash === undefined) {
    await argon2.verify(await (decoyHash ??= hashPassword(`decoy-${Math.random()}`)), password);
    return false;
  }
  return argon2.verify(hash, password);
}
