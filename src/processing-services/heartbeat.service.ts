import type { EntityManager } from '@mikro-orm/postgresql';
import { LRUCache } from 'lru-cache';
import type { ServicePrincipal } from '../auth/principal';
import {
  mergeClientInfo,
  sameReport,
  sanitizeReported,
  type ClientInfo,
  type ObservedClientInfo,
  type ReportedClientInfo,
} from './client-info';

/**
 * Marks processing services seen. Writes at most once every `writeIntervalSeconds` per worker
 * (its key, address and user agent) unless what it reports changed, so neither a busy worker nor
 * a fleet sharing one identity turns every request into a row update. Raw SQL on purpose: a
 * heartbeat must not bump updatedAt.
 */
export class HeartbeatService {
  /** Each worker's last write and the report it carried, by worker (key, address, user agent). */
  private readonly lastWrites = new LRUCache<string, { at: number; report: ReportedClientInfo | undefined }>({ max: 100_000 });

  constructor(private readonly settings: { writeIntervalSeconds: number }) {}

  /**
   * Records a heartbeat with what the worker reported, bounded here (a report that cannot be kept
   * is a ValidationError); returns true when it wrote one.
   */
  async record(
    em: EntityManager,
    caller: ServicePrincipal,
    observed: ObservedClientInfo,
    report?: ReportedClientInfo,
  ): Promise<boolean> {
    const reported = report && sanitizeReported(report);
    if (reported) mergeClientInfo(null, reported, observed);
    const worker = `${caller.apiKeyId}|${observed.ip}|${observed.userAgent}`;
    const last = this.lastWrites.get(worker);
    const now = Date.now();
    // A plain keyed request is covered by any recent write from the same worker; a report only by
    // a recent write of the same report, so changed client info is written at once.
    const recent = last !== undefined && now - last.at < this.settings.writeIntervalSeconds * 1000;
    if (recent && (!reported || sameReport(last.report, reported))) return false;

    // Claimed before writing, so a burst of concurrent requests from one worker writes once.
    const claim = { at: now, report: reported ?? last?.report };
    this.lastWrites.set(worker, claim);
    try {
      await this.write(em, caller, observed, reported);
    } catch (error) {
      if (this.lastWrites.get(worker) === claim) {
        if (last) this.lastWrites.set(worker, last);
        else this.lastWrites.delete(worker);
      }
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
