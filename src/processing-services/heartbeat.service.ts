import type { EntityManager } from '@mikro-orm/postgresql';
import { LRUCache } from 'lru-cache';
import type { ServicePrincipal } from '../auth/principal';
import { mergeClientInfo, type ClientInfo, type ObservedClientInfo, type ReportedClientInfo } from './client-info';

interface LastWrite {
  at: number;
  observed: string;
  reported: string | undefined;
}

/**
 * Marks processing services seen. Writes at most once per service every `writeIntervalSeconds`
 * unless what the worker reports (or where it calls from) changed, so a busy worker does not
 * turn every request into a row update. Raw SQL on purpose: a heartbeat must not bump updatedAt.
 */
export class HeartbeatService {
  private readonly lastWrites = new LRUCache<number, LastWrite>({ max: 100_000 });

  constructor(private readonly settings: { writeIntervalSeconds: number }) {}

  /** Records a heartbeat; returns true when it wrote one. */
  async record(
    em: EntityManager,
    caller: ServicePrincipal,
    observed: ObservedClientInfo,
    reported?: ReportedClientInfo,
  ): Promise<boolean> {
    const serviceId = caller.processingServiceId;
    const observedPrint = JSON.stringify(observed);
    const reportedPrint = reported ? JSON.stringify(reported) : undefined;
    const last = this.lastWrites.get(serviceId);
    const now = Date.now();
    if (
      last &&
      now - last.at < this.settings.writeIntervalSeconds * 1000 &&
      last.observed === observedPrint &&
      (reportedPrint === undefined || reportedPrint === last.reported)
    ) {
      return false;
    }
    // Claimed before writing, so a burst of concurrent requests from one service writes once.
    const claim: LastWrite = { at: now, observed: observedPrint, reported: reportedPrint ?? last?.reported };
    this.lastWrites.set(serviceId, claim);
    try {
      await this.write(em, caller, observed, reported);
    } catch (error) {
      if (this.lastWrites.get(serviceId) === claim) {
        if (last) this.lastWrites.set(serviceId, last);
        else this.lastWrites.delete(serviceId);
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
