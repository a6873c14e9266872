import type { EntityManager } from '@mikro-orm/postgresql';
import { growingLru } from '../core/growing-lru';
import type { ServicePrincipal } from '../auth/principal';
import {
  mergeClientInfo,
  reportOf,
  sanitizeReported,
  type ClientInfo,
  type ObservedClientInfo,
  type ReportedClientInfo,
} from './client-info';
import type { ProcessingService } from './processing-service.entity';

/** The heartbeat fields of a service, as the latest beats (flushed or not) say. */
export type SeenFields = Pick<ProcessingService, 'lastSeen' | 'lastSeenLive' | 'lastSeenClientInfo'>;

/** A worker's beats since the last flush, folded into one. */
interface WorkerBeat {
  identity: string;
  seenAt: Date;
  info: ClientInfo;
}

/** A service's beats since the last flush, folded into one: the latest time, the merged report. */
interface ServiceBeat {
  seenAt: Date;
  info: ClientInfo;
  /** The latest beat of each key used. */
  keys: Map<number, Date>;
  workers: Map<string, WorkerBeat>;
}

export interface HeartbeatSettings {
  /** How often a worker's row is rewritten when what it reports is unchanged. */
  writeIntervalSeconds: number;
  onlineWindowSeconds: number;
}

export interface FlushLog {
  warn(details: object, message: string): void;
}

/** Beyond this many workers waiting for a flush (a long outage), new ones wait for the next beat. */
const MAX_PENDING_WORKERS = 100_000;

/** Worker columns the worker reports: an unreported one keeps its stored value. */
const reportedWorkerColumns = ['hostname', 'pod_name', 'software', 'version', 'platform'] as const;
/** Worker columns the server observes: the newer beat's always win. */
const observedWorkerColumns = ['ip', 'user_agent'] as const;
const workerColumns = [...reportedWorkerColumns, ...observedWorkerColumns];

/** The name a worker gives itself: its pod name, else its hostname. */
function reportedName(info: ClientInfo): string | null {
  return info.podName || info.hostname || null;
}

/** The newer of two folded values wins field by field, as a later heartbeat would. */
function newerWins(older: ClientInfo | null | undefined, newer: ClientInfo): ClientInfo {
  return mergeClientInfo(older, reportOf(newer), newer);
}

function combine(older: ServiceBeat, newer: ServiceBeat): ServiceBeat {
  const keys = new Map(older.keys);
  for (const [key, at] of newer.keys) if (!keys.has(key) || keys.get(key)! < at) keys.set(key, at);
  const workers = new Map(older.workers);
  for (const [identity, beat] of newer.workers) {
    const before = workers.get(identity);
    workers.set(identity, before ? { identity, seenAt: beat.seenAt, info: newerWins(before.info, beat.info) } : beat);
  }
  return { seenAt: newer.seenAt, info: newerWins(older.info, newer.info), keys, workers };
}

type WorkerColumns = ReturnType<typeof workerRow>;

const sameColumns = (a: WorkerColumns, b: WorkerColumns) => workerColumns.every((column) => a[column] === b[column]);

/** Workers prepared between yields to the event loop, so a large flush never holds requests up for long. */
const WORKERS_PER_SLICE = 500;
const yieldToRequests = () => new Promise((resolve) => setImmediate(resolve));

function workerRow(info: ClientInfo) {
  return {
    hostname: info.hostname,
    pod_name: info.podName,
    software: info.software,
    version: info.version,
    platform: info.platform,
    ip: info.ip,
    user_agent: info.userAgent,
  };
}

/**
 * Marks processing services seen, written behind: beats are folded in memory, per service and per
 * worker, and `flush` writes them in one transaction for all services (one statement per table),
 * so PostgreSQL sees a few statements per flush interval whatever the fleet size. A failed flush
 * keeps its beats for the next one; a crash loses at most one interval. Reads go through `seen`,
 * so this replica answers with its own unflushed beats. Raw SQL on purpose: a heartbeat must not
 * bump updatedAt.
 */
export class HeartbeatService {
  private pending = new Map<number, ServiceBeat>();
  /** The beats the running flush is writing: still shown by `seen` until they are in the row. */
  private inFlight = new Map<number, ServiceBeat>();
  private pendingWorkers = 0;
  /** The worker each key, address and user agent last reported as. */
  private readonly reporters = growingLru<string, string>(MAX_PENDING_WORKERS);
  /** Each worker's last written row, so an unchanged worker is rewritten only once per write interval. */
  private readonly written = growingLru<string, { at: number; columns: WorkerColumns }>(MAX_PENDING_WORKERS);
  private flushing: Promise<unknown> = Promise.resolve();
  private lastPrune = 0;
  private timer: NodeJS.Timeout | undefined;

  /** Well within the online window, so a worker that keeps beating is never listed late nor pruned. */
  private readonly workerRewriteMs: number;

  constructor(private readonly settings: HeartbeatSettings) {
    this.workerRewriteMs = Math.min(settings.writeIntervalSeconds, settings.onlineWindowSeconds / 2) * 1000;
  }

  /**
   * Records a heartbeat with what the worker reported, bounded here (a report that cannot be kept
   * is a ValidationError). Touches no database: the next flush writes it.
   */
  record(caller: ServicePrincipal, observed: ObservedClientInfo, report?: ReportedClientInfo): void {
    const reported = report ? sanitizeReported(report) : {};
    const seenAt = new Date();
    const serviceId = caller.processingServiceId;
    const before = this.pending.get(serviceId);
    const info = mergeClientInfo(before?.info, reported, observed);

    // Which of the service's workers this is: the name it reports, else (a plain keyed request
    // carries no report) the name last reported from the same key, address and user agent, else
    // the address and user agent themselves.
    const reporter = `${caller.apiKeyId}|${observed.ip}|${observed.userAgent}`;
    const workerAlone = mergeClientInfo(null, reported, observed);
    const name = reportedName(workerAlone);
    // Most beats repeat the name already known: a lookup keeps it recent for less than a write.
    if (name && this.reporters.get(reporter) !== name) this.reporters.set(reporter, name);
    const identity = name ?? this.reporters.get(reporter) ?? `${observed.ip ?? ''} ${workerAlone.userAgent ?? ''}`;

    const beat = before ?? { seenAt, info, keys: new Map(), workers: new Map() };
    beat.seenAt = seenAt;
    beat.info = info;
    beat.keys.set(caller.apiKeyId, seenAt);
    const worker = beat.workers.get(identity);
    if (worker) {
      worker.seenAt = seenAt;
      worker.info = mergeClientInfo(worker.info, reported, observed);
    } else if (this.pendingWorkers < MAX_PENDING_WORKERS) {
      beat.workers.set(identity, { identity, seenAt, info: workerAlone });
      this.pendingWorkers += 1;
    }
    this.pending.set(serviceId, beat);
  }

  /** The service's heartbeat fields with this replica's unflushed beats applied. */
  seen(service: SeenFields & Pick<ProcessingService, 'id'>): SeenFields {
    const beat = this.pending.get(service.id) ?? this.inFlight.get(service.id);
    if (!beat || (service.lastSeen && service.lastSeen > beat.seenAt)) return service;
    return { lastSeen: beat.seenAt, lastSeenLive: true, lastSeenClientInfo: newerWins(service.lastSeenClientInfo, beat.info) };
  }

  /**
   * Writes every beat recorded so far. Flushes run one at a time; when one fails (the database is
   * away), its beats are kept, under any recorded meanwhile, for the next.
   */
  flush(em: EntityManager): Promise<void> {
    const run = this.flushing.then(() => this.write(em));
    this.flushing = run.catch(() => undefined);
    return run;
  }

  /** Flushes every `intervalMs` until `stop`. */
  start(openEm: () => EntityManager, intervalMs: number, log: FlushLog): void {
    this.timer = setInterval(() => {
      this.flush(openEm()).catch((error: unknown) => log.warn({ err: error }, 'heartbeat flush failed; its beats are kept for the next'));
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and writes what is left. */
  async stop(em: EntityManager): Promise<void> {
    clearInterval(this.timer);
    await this.flush(em);
  }

  private async write(em: EntityManager): Promise<void> {
    if (this.pending.size === 0) return;
    const taken = this.pending;
    this.pending = new Map();
    this.inFlight = taken;
    this.pendingWorkers = 0;
    const now = Date.now();
    const pruneDue = now - this.lastPrune >= this.settings.onlineWindowSeconds * 1000;
    const rowsWritten: { key: string; columns: WorkerColumns }[] = [];
    try {
      // Prepared before the transaction, so the service rows stay locked only for the statements.
      const workers: ({ service_id: number; identity: string; seen_at: Date } & WorkerColumns)[] = [];
      let prepared = 0;
      for (const [serviceId, beat] of taken) {
        for (const worker of beat.workers.values()) {
          if (++prepared % WORKERS_PER_SLICE === 0) await yieldToRequests();
          const columns = workerRow(worker.info);
          const key = `${serviceId}|${worker.identity}`;
          const last = this.written.get(key);
          if (last && sameColumns(last.columns, columns) && now - last.at < this.workerRewriteMs) continue;
          rowsWritten.push({ key, columns });
          workers.push({ service_id: serviceId, identity: worker.identity, seen_at: worker.seenAt, ...columns });
        }
      }
      await em.transactional(async (tx) => {
        // tx.execute, not tx.getConnection().execute: only the former runs inside the transaction.
        // Locked in id order, so replicas flushing the same services queue instead of deadlocking.
        const locked: { id: number; last_seen: string | Date | null; last_seen_client_info: ClientInfo | null }[] = await tx.execute(
          'select id, last_seen, last_seen_client_info from processing_services where id in (?) order by id for update',
          [[...taken.keys()]],
        );
        if (locked.length === 0) return;
        const services = locked.map((row) => {
          const beat = taken.get(row.id)!;
          // Raw rows may carry timestamps as text.
          const newer = !row.last_seen || beat.seenAt >= new Date(row.last_seen);
          const stored = row.last_seen_client_info;
          const info = newer || !stored ? newerWins(stored, beat.info) : newerWins(beat.info, stored);
          return { id: row.id, seen_at: beat.seenAt, client_info: info };
        });
        await tx.execute(
          `update processing_services p
              set last_seen = greatest(p.last_seen, v.seen_at),
                  last_seen_live = case when p.last_seen is null or v.seen_at >= p.last_seen then true else p.last_seen_live end,
                  last_seen_client_info = v.client_info
             from jsonb_to_recordset(?::jsonb) as v(id int, seen_at timestamptz, client_info jsonb)
            where p.id = v.id`,
          [JSON.stringify(services)],
        );
        const keys = locked.flatMap((row) => [...taken.get(row.id)!.keys].map(([id, usedAt]) => ({ id, used_at: usedAt })));
        await tx.execute(
          `update api_keys k set last_used_at = greatest(k.last_used_at, v.used_at)
             from jsonb_to_recordset(?::jsonb) as v(id int, used_at timestamptz)
            where k.id = v.id`,
          [JSON.stringify(keys)],
        );
        const live = new Set(locked.map((row) => row.id));
        const liveWorkers = workers.filter((worker) => live.has(worker.service_id));
        if (liveWorkers.length > 0) await this.upsertWorkers(tx, liveWorkers);
        if (pruneDue) {
          await tx.execute('delete from processing_service_workers where last_seen < ?', [new Date(now - this.settings.onlineWindowSeconds * 1000)]);
        }
      });
    } catch (error) {
      this.keep(taken);
      throw error;
    } finally {
      this.inFlight = new Map();
    }
    if (pruneDue) this.lastPrune = now;
    for (const { key, columns } of rowsWritten) this.written.set(key, { at: now, columns });
  }

  /** Upserts workers; a field a worker left unreported keeps its stored value, and the newer beat wins. */
  private async upsertWorkers(tx: EntityManager, workers: object[]): Promise<void> {
    const newer = 'excluded.last_seen >= w.last_seen';
    const reported = reportedWorkerColumns.map(
      (column) => `${column} = case when ${newer} then coalesce(excluded.${column}, w.${column}) else coalesce(w.${column}, excluded.${column}) end`,
    );
    const observed = observedWorkerColumns.map((column) => `${column} = case when ${newer} then excluded.${column} else w.${column} end`);
    await tx.execute(
      `insert into processing_service_workers as w (processing_service_id, identity, ${workerColumns.join(', ')}, first_seen, last_seen)
       select v.service_id, v.identity, ${workerColumns.map((column) => `v.${column}`).join(', ')}, v.seen_at, v.seen_at
         from jsonb_to_recordset(?::jsonb) as v(service_id int, identity text, seen_at timestamptz, ${workerColumns.map((column) => `${column} text`).join(', ')})
       on conflict (processing_service_id, identity) do update
          set ${[...reported, ...observed].join(', ')}, last_seen = greatest(w.last_seen, excluded.last_seen)`,
      [JSON.stringify(workers)],
    );
  }

  /** Puts a failed flush's beats back, under those recorded since. */
  private keep(taken: Map<number, ServiceBeat>): void {
    for (const [serviceId, older] of taken) {
      const newer = this.pending.get(serviceId);
      const kept = newer ? combine(older, newer) : older;
      this.pending.set(serviceId, kept);
    }
    this.pendingWorkers = [...this.pending.values()].reduce((sum, beat) => sum + beat.workers.size, 0);
  }
}
