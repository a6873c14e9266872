import type { EntityManager } from '@mikro-orm/postgresql';
import { parseApiKey } from '../api-keys/api-key-format';
import type { ApiKeyService } from '../api-keys/api-key.service';
import type { UserService } from '../users/user.service';
import type { FailureLimiter } from './failure-limiter';
import { anonymous, type Principal } from './principal';

/** Why a request's credentials were refused; the HTTP layer maps it to 401 or 429. */
export type AuthFailure =
  | { kind: 'invalid'; scheme: 'Api-Key' | 'Token' }
  | { kind: 'rate-limited'; retryAfterSeconds: number };

export type AuthOutcome = { ok: true; principal: Principal } | { ok: false; failure: AuthFailure };

const headerPattern = /^\s*([A-Za-z-]+)\s+(\S+)\s*$/;

export interface Authenticator {
  users: UserService;
  apiKeys: ApiKeyService;
  limiter: FailureLimiter;
}

/**
 * Resolves an Authorization header to a principal. `Api-Key <key>` (scheme case-insensitive)
 * names a processing service; `Token <token>` or `Bearer <token>` a user; no header is anonymous.
 * Presented but bad credentials never fall back to anonymous.
 */
export async function authenticate(
  { users, apiKeys, limiter }: Authenticator,
  em: EntityManager,
  header: string | undefined,
  clientIp: string,
): Promise<AuthOutcome> {
  if (header === undefined || header.trim() === '') return { ok: true, principal: anonymous };
  const match = headerPattern.exec(header);
  const scheme = match?.[1]!.toLowerCase();
  const credential = match?.[2] ?? '';
  const isApiKey = scheme === 'api-key';
  const failedAs = isApiKey ? 'Api-Key' : 'Token';
  if (!match || !(isApiKey || scheme === 'token' || scheme === 'bearer')) {
    return { ok: false, failure: { kind: 'invalid', scheme: failedAs } };
  }

  const subjects = [`ip:${clientIp}`];
  const prefix = isApiKey ? parseApiKey(credential)?.prefix : undefined;
  if (prefix) subjects.push(`prefix:${prefix}`);
  const retryAfterSeconds = limiter.retryAfter(subjects);
  if (retryAfterSeconds > 0) return { ok: false, failure: { kind: 'rate-limited', retryAfterSeconds } };

  let principal: Principal | null = null;
  if (isApiKey) {
    const verified = await apiKeys.verify(em, credential);
    if (verified) principal = { kind: 'service', processingServiceId: verified.processingServiceId, apiKeyId: verified.apiKeyId };
  } else {
    principal = await users.authenticate(em, credential);
  }
  if (principal) return { ok: true, principal };
  limiter.recordFailure(subjects);
  return { ok: false, failure: { kind: 'invalid', scheme: failedAs } };
}
