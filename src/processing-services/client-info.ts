import { ValidationError } from '../core/errors';

/** What a worker reports about itself. */
export interface ReportedClientInfo {
  hostname?: string | null;
  software?: string | null;
  version?: string | null;
  platform?: string | null;
  podName?: string | null;
  extra?: Record<string, unknown> | null;
}

/** What the server observes about the caller; always overwrites what is stored. */
export interface ObservedClientInfo {
  ip: string | null;
  userAgent: string | null;
}

/** The stored, merged value: `lastSeenClientInfo`. */
export interface ClientInfo extends ObservedClientInfo {
  hostname: string | null;
  software: string | null;
  version: string | null;
  platform: string | null;
  podName: string | null;
  extra: Record<string, string | number | boolean | null>;
}

export const CLIENT_INFO_LIMITS = {
  /** The original keeps at most 20 extra keys... */
  maxExtraKeys: 20,
  /** ...and cuts every string to 500 characters. */
  maxStringLength: 500,
  maxKeyLength: 64,
  /** The whole serialized object, so one request cannot bloat the row. */
  maxTotalBytes: 8 * 1024,
} as const;

const reportedFields = ['hostname', 'software', 'version', 'platform', 'podName'] as const;

function cut(value: string): string {
  return value.length > CLIENT_INFO_LIMITS.maxStringLength
    ? value.slice(0, CLIENT_INFO_LIMITS.maxStringLength)
    : value;
}

/**
 * Bounds what a worker reported: strings cut to 500 chars, extra values limited to scalars, at
 * most 20 extra keys. Too many extra keys or nested values are refused rather than silently
 * dropped, so the worker learns its report is not being kept.
 */
export function sanitizeReported(reported: ReportedClientInfo, path = 'clientInfo'): ReportedClientInfo {
  const clean: ReportedClientInfo = {};
  for (const field of reportedFields) {
    const value = reported[field];
    if (value !== undefined && value !== null) clean[field] = cut(value);
  }
  if (reported.extra) {
    const entries = Object.entries(reported.extra);
    if (entries.length > CLIENT_INFO_LIMITS.maxExtraKeys) {
      throw new ValidationError(`at most ${CLIENT_INFO_LIMITS.maxExtraKeys} extra keys are kept`, `${path}.extra`);
    }
    const extra: Record<string, string | number | boolean | null> = {};
    for (const [key, value] of entries) {
      if (key.length === 0 || key.length > CLIENT_INFO_LIMITS.maxKeyLength) {
        throw new ValidationError(`keys must be 1 to ${CLIENT_INFO_LIMITS.maxKeyLength} characters`, `${path}.extra`);
      }
      if (typeof value === 'string') extra[key] = cut(value);
      else if (value === null || typeof value === 'number' || typeof value === 'boolean') extra[key] = value;
      else throw new ValidationError('values must be strings, numbers, booleans or null', `${path}.extra.${key}`);
    }
    clean.extra = extra;
  }
  return clean;
}

/** A stored value as a report, so it can be merged like a heartbeat (empty fields change nothing). */
export function reportOf(info: ClientInfo): ReportedClientInfo {
  return {
    hostname: info.hostname,
    software: info.software,
    version: info.version,
    platform: info.platform,
    podName: info.podName,
    extra: info.extra,
  };
}

/** Bytes of JSON a string can take at most: quotes, and each UTF-16 unit escaped as `\uXXXX`. */
const jsonBytesAtMost = (text: string) => 6 * text.length + 2;

/**
 * An upper bound of the info's serialized size, from string lengths alone: a heartbeat checks its
 * report against the cap several times, and serializing it each time was most of recording it.
 */
function sizeAtMost(info: ClientInfo): number {
  let bytes = 2;
  for (const [key, value] of Object.entries(info)) {
    bytes += jsonBytesAtMost(key) + 2;
    if (typeof value === 'string') bytes += jsonBytesAtMost(value);
    else if (key !== 'extra') bytes += 4;
  }
  for (const [key, value] of Object.entries(info.extra)) {
    bytes += jsonBytesAtMost(key) + 2;
    // The longest number JSON writes (e.g. -1.7976931348623157e+308) is 24 characters.
    bytes += typeof value === 'string' ? jsonBytesAtMost(value) : 24;
  }
  return bytes;
}

const fits = (info: ClientInfo) =>
  sizeAtMost(info) <= CLIENT_INFO_LIMITS.maxTotalBytes || Buffer.byteLength(JSON.stringify(info)) <= CLIENT_INFO_LIMITS.maxTotalBytes;

function overlay(stored: ClientInfo | null | undefined, reported: ReportedClientInfo, observed: ObservedClientInfo): ClientInfo {
  const merged: ClientInfo = {
    hostname: stored?.hostname ?? null,
    software: stored?.software ?? null,
    version: stored?.version ?? null,
    platform: stored?.platform ?? null,
    podName: stored?.podName ?? null,
    extra: { ...(stored?.extra ?? {}) },
    ip: observed.ip,
    userAgent: observed.userAgent ? cut(observed.userAgent) : null,
  };
  for (const field of reportedFields) {
    const value = reported[field];
    if (value) merged[field] = value;
  }
  for (const [key, value] of Object.entries(reported.extra ?? {})) {
    if (value !== '' && value !== null && value !== undefined) merged.extra[key] = value as string | number | boolean;
  }
  const keys = Object.keys(merged.extra);
  if (keys.length > CLIENT_INFO_LIMITS.maxExtraKeys) {
    for (const key of keys.slice(0, keys.length - CLIENT_INFO_LIMITS.maxExtraKeys)) delete merged.extra[key];
  }
  return merged;
}

/**
 * Merges a heartbeat into the stored value: server fields always overwrite; a reported field
 * replaces the stored one only when non-empty, so an empty value never erases what registration
 * said. Extra keys merge the same way. Only a report too large on its own is refused: when old
 * and new together exceed the cap, older extras give way (then the older fields), so a heartbeat
 * that is fine by itself is never refused, or left unrecorded, because of what came before.
 */
export function mergeClientInfo(
  stored: ClientInfo | null | undefined,
  reported: ReportedClientInfo,
  observed: ObservedClientInfo,
): ClientInfo {
  const alone = overlay(null, reported, observed);
  if (!fits(alone)) {
    throw new ValidationError(`client info may not exceed ${CLIENT_INFO_LIMITS.maxTotalBytes} bytes`, 'clientInfo');
  }
  const merged = overlay(stored, reported, observed);
  for (const key of Object.keys(merged.extra)) {
    if (fits(merged)) return merged;
    if (!(key in alone.extra)) delete merged.extra[key];
  }
  return fits(merged) ? merged : alone;
}
