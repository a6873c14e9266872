/** The PostgreSQL channel on which replicas announce what their caches must forget. */
export const INVALIDATION_CHANNEL = 'psgw_invalidate';

/** What one notification asks every replica to forget; absent lists are empty. */
export interface Invalidation {
  /** Keys revoked, rotated away, or deleted with their service. */
  apiKeyPrefixes?: string[];
  /** Sessions ended by logout. */
  sessionIds?: number[];
  /** Users whose standing changed (made superuser): every session of theirs. */
  userIds?: number[];
}

/**
 * The statement that announces `invalidation` on the channel. Run inside the change's own
 * transaction: PostgreSQL delivers it only on commit, so a rolled-back change announces nothing.
 */
export function notifyInvalidation(invalidation: Invalidation): [string, unknown[]] {
  return ['select pg_notify(?, ?)', [INVALIDATION_CHANNEL, JSON.stringify(invalidation)]];
}

/** The invalidation a notification carries; throws on a payload that is not one. */
export function parseInvalidation(payload: string): Invalidation {
  const parsed: unknown = JSON.parse(payload);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('an invalidation is a JSON object');
  return parsed as Invalidation;
}
