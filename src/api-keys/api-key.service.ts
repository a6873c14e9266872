import { LockMode, UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/postgresql';
import { LRUCache } from 'lru-cache';
import { notifyInvalidation } from '../core/invalidation';
import type { AuditOrigin } from '../audit/audit-origin';
import { recordAuditEvent } from '../audit/audit-trail';
import { digestBytes, matchesDigest, secretDigest } from '../core/crypto';
import { NotFoundError, ValidationError } from '../core/errors';
import { ProcessingService } from '../processing-services/processing-service.entity';
import { User } from '../users/user.entity';
import { generateApiKey, type ParsedApiKey } from './api-key-format';
import { API_KEY_NAME_MAX, ApiKey } from './api-key.entity';
import { toApiKeyView, type ApiKeyView } from './api-key.view';

export interface GenerateKeyInput {
  processingServiceId: number;
  name?: string | null;
  expiresAt?: Date | null;
  /** Keep the service's other active keys valid this long instead of revoking them now. */
  previousKeyGraceSeconds?: number | null;
}

export interface GeneratedKeyResult {
  /** The plaintext key: returned once, never stored. */
  key: string;
  apiKey: ApiKeyView;
  processingService: ProcessingService;
}

/** What a verified key identifies. */
export interface VerifiedKey {
  apiKeyId: number;
  processingServiceId: number;
  expiresAt: Date | null;
}

/** A cached lookup: the key's digest and identity, or `null` when no active key has this prefix. */
type CachedLookup = { digest: Buffer; verified: VerifiedKey } | null;

export const MAX_GRACE_SECONDS = 30 * 24 * 3600;

/**
 * API key lifecycle and verification. Verified lookups are cached in-process by prefix for a
 * few seconds (negative ones too), so a hot worker's requests touch no table to authenticate;
 * rotation and revocation evict at once in this process, and other replicas within the TTL.
 */
export class ApiKeyService {
  private readonly cache: LRUCache<string, { value: CachedLookup }, EntityManager>;

  constructor(settings: { cacheTtlSeconds: number; cacheMaxEntries?: number }) {
    this.cache = new LRUCache({
      max: settings.cacheMaxEntries ?? 10_000,
      ttl: settings.cacheTtlSeconds * 1000,
      // A busy worker's concurrent requests all miss when its entry expires: they share one
      // lookup instead of each reading the table.
      fetchMethod: async (prefix, _stale, { context: em }) => ({ value: await this.lookup(em, prefix) }),
      // A key evicted while its lookup is in flight (rotated, revoked) must not be cached from the
      // row read before: the waiting requests get that answer, the cache does not keep it.
      ignoreFetchAbort: true,
    });
  }

  /**
   * Verifies a well-formed key (`parseApiKey` has checked its format and checksum): the cached or
   * stored digest in constant time, then expiry. Unknown, wrong, revoked and expired keys all give null.
   * A fresh cached entry answers without a lookup; `verifyCached` is the same without a promise.
   */
  async verify(em: EntityManager, presented: ParsedApiKey): Promise<VerifiedKey | null> {
    const entry = await this.cache.fetch(presented.prefix, { context: em });
    return entry ? this.check(entry.value, presented.key) : null;
  }

  /** `verify` without I/O: the answer when it is known in memory, undefined when the key's prefix is not cached. */
  verifyCached(presented: ParsedApiKey): VerifiedKey | null | undefined {
    const entry = this.cache.get(presented.prefix);
    return entry && this.check(entry.value, presented.key);
  }

  private check(lookup: CachedLookup, presented: string): VerifiedKey | null {
    if (!lookup || !matchesDigest(presented, lookup.digest)) return null;
    const { expiresAt } = lookup.verified;
    if (expiresAt && expiresAt.getTime() <= Date.now()) return null;
    return lookup.verified;
  }

  private async lookup(em: EntityManager, prefix: string): Promise<CachedLookup> {
    const key = await em.findOne(ApiKey, { prefix, revokedAt: null }, { fields: ['id', 'digest', 'expiresAt', 'processingService'] });
    if (!key) return null;
    return {
      digest: digestBytes(key.digest),
      verified: { apiKeyId: key.id, processingServiceId: key.processingService.id, expiresAt: key.expiresAt ?? null },
    };
  }

  /**
   * Creates a key for a processing service and retires its other active keys: revoked at once,
   * or, with a grace period, left to expire by then. The service row is locked for the whole
   * change, so concurrent calls serialise and exactly one new key is created per call. The
   * origin's principal is recorded as its creator; who may generate is the caller's rule to enforce.
   */
  async generate(em: EntityManager, origin: AuditOrigin, input: GenerateKeyInput): Promise<GeneratedKeyResult> {
    const grace = input.previousKeyGraceSeconds ?? 0;
    if (!Number.isInteger(grace) || grace < 0 || grace > MAX_GRACE_SECONDS) {
      throw new ValidationError(`must be 0 to ${MAX_GRACE_SECONDS} seconds`, 'previousKeyGraceSeconds');
    }
    if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
      throw new ValidationError('must be in the future', 'expiresAt');
    }
    const requestedName = input.name?.trim();
    if (requestedName !== undefined && (requestedName.length === 0 || requestedName.length > API_KEY_NAME_MAX)) {
      throw new ValidationError(`must be 1 to ${API_KEY_NAME_MAX} characters`, 'name');
    }
    const result = await this.retryOnPrefixCollision(() => em.transactional(async (tx) => {
      const service = await tx.findOne(
        ProcessingService,
        { id: input.processingServiceId },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!service) throw new NotFoundError('Processing service not found');
      // tx.execute runs inside the transaction; tx.getConnection().execute would take another connection.
      const retired: { prefix: string; expires_at: string | null }[] = await tx.execute(
        grace === 0
          ? `update api_keys set revoked_at = now()
              where processing_service_id = ? and revoked_at is null returning prefix, null as expires_at`
          : `update api_keys set expires_at = least(coalesce(expires_at, 'infinity'), now() + make_interval(secs => ?))
              where processing_service_id = ? and revoked_at is null returning prefix, expires_at`,
        grace === 0 ? [service.id] : [grace, service.id],
      );
      if (retired.length > 0) await tx.execute(...notifyInvalidation({ apiKeyPrefixes: retired.map((row) => row.prefix) }));
      const { key, prefix } = generateApiKey();
      const apiKey = tx.create(ApiKey, {
        prefix,
        digest: secretDigest(key),
        name: requestedName ?? `${service.name} key`.slice(0, API_KEY_NAME_MAX),
        processingService: service,
        createdBy: origin.principal.kind === 'user' ? tx.getReference(User, origin.principal.userId) : null,
        expiresAt: input.expiresAt ?? null,
      });
      await tx.flush();
      const processingServiceId = service.id;
      for (const old of retired) {
        await recordAuditEvent(tx, origin, {
          action: 'KEY_EXPIRED_BY_ROTATION',
          processingServiceId,
          apiKeyPrefix: old.prefix,
          details: { replacedBy: prefix, expiresAt: old.expires_at === null ? null : new Date(old.expires_at).toISOString() },
        });
      }
      await recordAuditEvent(tx, origin, {
        action: 'KEY_GENERATED',
        processingServiceId,
        apiKeyPrefix: prefix,
        details: { name: apiKey.name, expiresAt: apiKey.expiresAt?.toISOString() ?? null, previousKeyGraceSeconds: grace },
      });
      return { key, apiKey, processingService: service, retired };
    }));
    for (const { prefix } of result.retired) this.cache.delete(prefix);
    return { key: result.key, apiKey: toApiKeyView(result.apiKey), processingService: result.processingService };
  }

  /** Drops keys from this process's verification cache, e.g. once their service is deleted. */
  forget(prefixes: readonly string[]): void {
    for (const prefix of prefixes) this.cache.delete(prefix);
  }

  /** Drops every verified key, for a replica that may have missed invalidations. */
  forgetAll(): void {
    this.cache.clear();
  }

  /** A new prefix colliding with an existing one (about 1 in 10^14) just draws another key. */
  private async retryOnPrefixCollision<T>(attempt: () => Promise<T>): Promise<T> {
    for (let tries = 1; ; tries++) {
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof UniqueConstraintViolationException) || tries >= 3) throw error;
      }
    }
  }

  /** Revokes a key for good (a revoked key can never be used again). Revoking twice is harmless, and recorded once. */
  async revoke(em: EntityManager, apiKeyId: number, origin: AuditOrigin): Promise<ApiKeyView> {
    const key = await em.findOne(ApiKey, { id: apiKeyId });
    if (!key) throw new NotFoundError('API key not found');
    await em.transactional(async (tx) => {
      const revoked = await tx.nativeUpdate(ApiKey, { id: apiKeyId, revokedAt: null }, { revokedAt: new Date() });
      if (revoked > 0) {
        await recordAuditEvent(tx, origin, { action: 'KEY_REVOKED', processingServiceId: key.processingService.id, apiKeyPrefix: key.prefix });
      }
      await tx.execute(...notifyInvalidation({ apiKeyPrefixes: [key.prefix] }));
    });
    this.cache.delete(key.prefix);
    await em.refresh(key);
    return toApiKeyView(key);
  }

  /** A service's keys, newest first (prefixes and metadata only). */
  async list(em: EntityManager, processingServiceId: number): Promise<ApiKeyView[]> {
    if (!(await em.count(ProcessingService, { id: processingServiceId }))) throw new NotFoundError('Processing service not found');
    const keys = await em.find(ApiKey, { processingService: processingServiceId }, { orderBy: { createdAt: 'desc', id: 'desc' } });
    return keys.map(toApiKeyView);
  }
}
