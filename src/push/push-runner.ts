import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { PushDispatchService, PushWork } from './push-dispatch.service';
import type { PushHealthService } from './push-health.service';

/** Announced by database triggers on commit of a change that can give push dispatch new work. */
export const PUSH_WORK_CHANNEL = 'psgw_push_work';

export interface PushRunnerSettings {
  healthIntervalSeconds: number;
  pollIntervalMs: number;
  /** The longest pause between dispatch rounds while there is no push work; `wake` ends it early. */
  idlePollIntervalMs: number;
  retryBackoffMs: number;
}

/** Checks claimed per round; a round with this many due runs again at once. */
const CHECKS_PER_ROUND = 20;
/** The longest pause between batches to a failing service. */
const MAX_BACKOFF_MS = 60_000;

/**
 * The background work of push mode in one replica: health checks of the services that are due,
 * and dispatch of push-mode jobs with at most `concurrencyPerService` batches in flight per
 * service, pausing a service with exponential backoff after the endpoint failed a batch. Every
 * decision that must hold across replicas (which check, which task, how many batches in flight)
 * is taken in PostgreSQL. While there is no push work, rounds come ever more rarely, up to
 * `idlePollIntervalMs`; `wake` (a job was created, a service gained an endpoint) runs one at once.
 */
export class PushRunner {
  private stopped = true;
  private healthTimer: NodeJS.Timeout | undefined;
  private dispatchTimer: NodeJS.Timeout | undefined;
  private dispatching = false;
  private dispatchAgain = false;
  private readonly inFlight = new Map<number, number>();
  private readonly failures = new Map<number, { count: number; until: number }>();
  private readonly running = new Set<Promise<unknown>>();
  private idleRounds = 0;
  private aborter = new AbortController();

  constructor(
    private readonly fork: () => EntityManager,
    private readonly health: PushHealthService,
    private readonly dispatch: PushDispatchService,
    private readonly settings: PushRunnerSettings,
    private readonly log: Pick<Logger, 'warn' | 'debug'>,
  ) {}

  start(): void {
    this.stopped = false;
    this.aborter = new AbortController();
    this.scheduleHealth(0);
    this.scheduleDispatch(0);
  }

  /**
   * Stops taking new work, cancels the batches in flight (their leases are given back, so any
   * replica takes their tasks at once) and the checks in flight (their claims are given back),
   * and waits for both to wind up.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.healthTimer);
    clearTimeout(this.dispatchTimer);
    this.aborter.abort();
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** There may be new push work: a dispatch round now, and no idle pause until it proves empty. */
  wake(): void {
    this.idleRounds = 0;
    this.kick();
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    void work.finally(() => this.running.delete(work)).catch(() => undefined);
    return work;
  }

  private scheduleHealth(ms: number): void {
    if (this.stopped) return;
    this.healthTimer = setTimeout(() => void this.track(this.healthRound()), ms);
  }

  /** A round checks what is due; rounds come a few times per interval, so a check is late by a fraction of it at most. */
  private async healthRound(): Promise<void> {
    const pause = Math.min(5_000, Math.max(100, (this.settings.healthIntervalSeconds * 1000) / 4));
    let claimed = 0;
    try {
      const em = this.fork();
      const due = await this.health.claimDue(em, CHECKS_PER_ROUND);
      claimed = due.length;
      await Promise.all(due.map((service) => this.health.checkClaimed(this.fork(), service, this.aborter.signal)));
    } catch (error) {
      this.log.warn({ err: error }, 'push health checks failed');
    }
    this.scheduleHealth(claimed === CHECKS_PER_ROUND ? 0 : pause);
  }

  private scheduleDispatch(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.dispatchTimer);
    this.dispatchTimer = setTimeout(() => void this.track(this.dispatchRound()), ms);
  }

  /** Asks for another round as soon as the current one ends (a batch finished, capacity is free). */
  private kick(): void {
    if (this.dispatching) this.dispatchAgain = true;
    else this.scheduleDispatch(0);
  }

  private async dispatchRound(): Promise<void> {
    this.dispatching = true;
    this.dispatchAgain = false;
    let idle = false;
    try {
      const work = await this.dispatch.findWork(this.fork());
      idle = work.length === 0 && this.inFlight.size === 0;
      for (const item of work) {
        if (this.stopped) break;
        const failure = this.failures.get(item.processingServiceId);
        if (failure && failure.until > Date.now()) continue;
        while ((this.inFlight.get(item.processingServiceId) ?? 0) < this.dispatch.settings.concurrencyPerService) {
          this.launch(item);
        }
      }
    } catch (error) {
      this.log.warn({ err: error }, 'push dispatch round failed');
    } finally {
      this.dispatching = false;
    }
    this.idleRounds = idle ? this.idleRounds + 1 : 0;
    const poll = Math.min(this.settings.idlePollIntervalMs, this.settings.pollIntervalMs * 2 ** this.idleRounds);
    const now = Date.now();
    const pausesEnding = [...this.failures.values()].map((failure) => failure.until - now).filter((ms) => ms > 0);
    this.scheduleDispatch(this.dispatchAgain ? 0 : Math.min(poll, ...pausesEnding));
  }

  private launch(work: PushWork): void {
    const serviceId = work.processingServiceId;
    this.inFlight.set(serviceId, (this.inFlight.get(serviceId) ?? 0) + 1);
    const finished = () => {
      const left = (this.inFlight.get(serviceId) ?? 1) - 1;
      if (left > 0) this.inFlight.set(serviceId, left);
      else this.inFlight.delete(serviceId);
    };
    const batch = this.dispatch.dispatchBatch(this.fork(), work, this.aborter.signal).then(
      (outcome) => {
        finished();
        if (outcome.endpointFailed) this.backOff(serviceId);
        else if (outcome.leased > 0) this.failures.delete(serviceId);
        if (outcome.leased > 0) this.kick();
      },
      (error: unknown) => {
        finished();
        this.log.warn({ err: error, jobId: work.jobId, processingServiceId: serviceId }, 'push batch failed');
        this.backOff(serviceId);
      },
    );
    void this.track(batch);
  }

  private backOff(serviceId: number): void {
    const count = (this.failures.get(serviceId)?.count ?? 0) + 1;
    this.failures.set(serviceId, { count, until: Date.now() + Math.min(MAX_BACKOFF_MS, this.settings.retryBackoffMs * 2 ** (count - 1)) });
    this.kick();
  }
}
