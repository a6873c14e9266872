import { describe, expect, it } from 'vitest';
import { CLIENT_INFO_LIMITS, mergeClientInfo, type ReportedClientInfo } from '../../src/processing-services/client-info';

const observed = { ip: '10.0.0.7', userAgent: 'ami-worker/1.0' };
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/** A report of multi-byte extras whose merged value serializes to exactly `size` bytes. */
function reportOfSize(size: number): ReportedClientInfo {
  const extra: Record<string, string> = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`k${i}`, 'é'.repeat(250)]));
  const withPad = (pad: string): ReportedClientInfo => ({ hostname: 'node-1', extra: { ...extra, pad } });
  const padLength = size - bytes(mergeClientInfo(null, withPad('a'), observed)) + 1;
  expect(padLength).toBeGreaterThan(0);
  expect(padLength).toBeLessThanOrEqual(CLIENT_INFO_LIMITS.maxStringLength);
  return withPad('a'.repeat(padLength));
}

describe('client info size cap', () => {
  it('keeps a report of exactly the cap in bytes, multi-byte characters counted as bytes', () => {
    const merged = mergeClientInfo(null, reportOfSize(CLIENT_INFO_LIMITS.maxTotalBytes), observed);
    expect(bytes(merged)).toBe(CLIENT_INFO_LIMITS.maxTotalBytes);
  });

  it('refuses a report one byte over the cap', () => {
    expect(() => mergeClientInfo(null, reportOfSize(CLIENT_INFO_LIMITS.maxTotalBytes + 1), observed)).toThrow(/may not exceed/);
  });

  it('keeps a small report as reported, with what the server observed', () => {
    const merged = mergeClientInfo(null, { hostname: 'node-1', version: '2.1', extra: { gpu: 'A100', slots: 4, warm: true } }, observed);
    expect(merged).toEqual({
      hostname: 'node-1',
      software: null,
      version: '2.1',
      platform: null,
      podName: null,
      extra: { gpu: 'A100', slots: 4, warm: true },
      ...observed,
    });
  });
});
