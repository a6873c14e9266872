import type { EntityManager } from '@mikro-orm/postgresql';
import { parseApiKey } from '../api-keys/api-key-format';
import type { ApiKeyService } from '../api-keys/api-key.service';
import type { UserService } from '../users/user.service';
import type { FailureLimiter } from '../auth/failure-limiter';
import { anonymous, type Principal } from '../auth/principal';

/** Why a request's credentials were refused; the HTTP layer maps it to 401 or 429. */
export type AuthFailure =
  | { kind: 'invalid'; scheme: 'Api-Key' | 'Token' }
  | { kind: 'rate-limited'; retryAfterSeconds: number };

export type AuthOutcome = { ok: true; principal: Principal } | { ok: false; failure: AuthFailure };

export interface Authenticator {
  users: UserService;
  apiKeys: ApiKeyService;
  authFailures: FailureLimiter;
}

const rateLimited = (retryAfterSeconds: number): AuthOutcome => ({ ok: false, failure: { kind: 'rate-limited', retryAfterSeconds } });
const refusedApiKey: AuthOutcome = { ok: false, failure: { kind: 'invalid', scheme: 'Api-Key' } };
const refusedToken: AuthOutcome = { ok: false, failure: { kind: 'invalid', scheme: 'Token' } };

/**
 * Resolves an Authorization header to a principal. `Api-Key <key>` (scheme case-insensitive)
 * names a processing service; `Token <token>` or `Bearer <token>` a user; no header is anonymous.
 * Presented but bad credentials never fall back to anonymous.
 */
export async function authenticate(
  { users, apiKeys, authFailures: limiter }: Authenticator,
  em: EntityManager,
  header: string | undefined,
  clientIp: string,
): Promise<AuthOutcome> {
  if (header === undefined || header.trim() === '') return { ok: true, principal: anonymous };
  const [schemeWord = '', ...rest] = header.trim().split(/\s+/);
  const scheme = schemeWord.toLowerCase();
  const isApiKey = scheme === 'api-key';
  // A bare or garbled `Api-Key` header is a bad API key (same answer as a wrong key), not a bad token.
  const refused = isApiKey ? refusedApiKey : refusedToken;
  const credential = rest.length === 1 ? rest[0]! : '';
  if (!credential || !(isApiKey || scheme === 'token' || scheme === 'bearer')) return refused;

  // A valid credential always gets in, whatever others sent from its address: the limits only
  // decide whether a refusal is a 401 or a 429. Looking a credential up costs one indexed read, and
  // refused keys and tokens are cached too, so a blocked address repeating itself costs memory reads.
  const addressSubject = `ip:${clientIp}`;
  const refusal = (...subjects: string[]): AuthOutcome => {
    const wait = limiter.recordFailure(addressSubject, ...subjects);
    return wait > 0 ? rateLimited(wait) : refused;
  };

  if (!isApiKey) {
    const cachedSession = users.authenticateCached(credential);
    const principal = cachedSession !== undefined ? cachedSession : await users.authenticate(em, credential);
    return principal ? { ok: true, principal } : refusal();
  }
  // Format and checksum first: a malformed or mistyped key is refused before any lookup.
  const key = parseApiKey(credential);
  if (!key) return refusal();
  const cached = apiKeys.verifyCached(key);
  const verified = cached !== undefined ? cached : await apiKeys.verify(em, key);
  if (verified) {
    return { ok: true, principal: { kind: 'service', processingServiceId: verified.processingServiceId, apiKeyId: verified.apiKeyId } };
  }
  return refusal(`prefix:${key.prefix}`);
}
