import type { EntityManager } from '@mikro-orm/postgresql';
import { LRUCache } from 'lru-cache';
import type { ServicePrincipal } from '../auth/principal';
import { mergeClientInfo, type ClientInfo, type ObservedClientInfo, type ReportedClientInfo } from './client-info';

/**
 * Marks processing services seen. Writes at most once every `writeIntervalSeconds` per worker
 * (its key, address and user agent) unless what it reports changed, so neither a busy worker nor
 * a fleet sharing one identity turns every request into a row update. Raw SQL on purpose: a
 * heartbeat must not bump updatedAt.
 */
export class HeartbeatService {
  /** When each worker (and each report of it) was last written, by throttle key. */
  private readonly lastWrites = new LRUCache<string, number>({ max: 100_000 });

  constructor(private readonly settings: { writeIntervalSeconds: number }) {}

  /** Records a heartbeat; returns true when it wrote one. */
  async record(
    em: EntityManager,
    caller: ServicePrincipal,
    observed: ObservedClientInfo,
    reported?: ReportedClientInfo,
  ): Promise<boolean> {
    const worker = `${caller.apiKeyId}|${observed.ip}|${observed.userAgent}`;
    // A plain keyed request is covered by any recent write from the same worker; a report only by
    // a recent write of the same report, so changed client info is written at once.
    const throttleKeys = reported ? [worker, `${worker}|${JSON.stringify(reported)}`] : [worker];
    const now = Date.now();
    const last = this.lastWrites.get(throttleKeys.at(-1)!);
    if (last !== undefined && now - last < this.settings.writeIntervalSeconds * 1000) return false;

    // Claimed before writing, so a burst of concurrent requests from one worker writes once.
    const previous = throttleKeys.map((key) => this.lastWrites.get(key));
    for (const key of throttleKeys) this.lastWrites.set(key, now);
    try {
      await this.write(em, caller, observed, reported);
    } catch (error) {
      throttleKeys.forEach((key, i) => {
        if (this.lastWrites.get(key) !== now) return;
        if (previous[i] === undefined) this.lastWrites.delete(key);
        else this.lastWrites.set(key, previous[i]);
      });
      throw error;
    }
    return true;
  }

  private async write(
    em: EntityManager,
    caller: ServicePrincipal,
    observed: ObservedClientInfo,
    reported: ReportedClientInfo | undefined,
  ): Promise<void> {
    const serviceId = caller.processingServiceId;
    await em.transactional(async (tx) => {
      // tx.execute, not tx.getConnection().execute: only the former runs inside the transaction.
      const [row]: { last_seen_client_info: ClientInfo | null }[] = await tx.execute(
        'select last_seen_client_info from processing_services where id = ? for update',
        [serviceId],
      );
      if (!row) return;
      const merged = mergeClientInfo(row.last_seen_client_info, reported ?? {}, observed);
      await tx.execute(
        'update processing_services set last_seen = now(), last_seen_live = true, last_seen_client_info = ? where id = ?',
        [JSON.stringify(merged), serviceId],
      );
      await tx.execute('update api_keys set last_used_at = now() where id = ?', [caller.apiKeyId]);
    });
  }
}
