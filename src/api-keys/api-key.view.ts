import type { ApiKey } from './api-key.entity';

/** What the UI sees of a key. */
export interface ApiKeyView {
  id: number;
  prefix: string;
  name: string;
  processingServiceId: number;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

/** Raw rows carry timestamps as PostgreSQL text (the ORM's pg setting), e.g. `2026-01-02 10:00:00.1+00`. */
export type ApiKeyRow = { [K in keyof ApiKeyView]: ApiKeyView[K] extends Date | null ? string | null : ApiKeyView[K] };

export const toDate = (value: string | null) => (value === null ? null : new Date(value));

/** The view of a key read as an entity (generation, revocation). */
export function toApiKeyView(key: ApiKey): ApiKeyView {
  return {
    id: key.id,
    prefix: key.prefix,
    name: key.name,
    processingServiceId: key.processingService.id,
    createdAt: key.createdAt,
    expiresAt: key.expiresAt ?? null,
    revokedAt: key.revokedAt ?? null,
    lastUsedAt: key.lastUsedAt ?? null,
  };
}
