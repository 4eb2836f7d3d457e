import type { JobStatus } from '../../shared/job'
import type { Clock } from './engine'
import type { JobStore } from './job-store'

const DAY_MS = 86_400_000

/** How long finished jobs are kept; null keeps them. Failed jobs have their own term, often longer: they are the ones to look into. */
export interface RetentionPolicy {
  keepFinishedDays: number | null
  keepFailedDays: number | null
  /** At most this many succeeded and cancelled jobs, the oldest going first. */
  keepFinishedMax: number | null
}

export interface RetentionOptions {
  /** Jobs per transaction: about 2 ms of the engine's thread each, measured (200 took ~7 ms, and the loop's lag p99 went over 10 ms while dispatching). */
  batch: number
  everyMs: number
  /** The first run after start waits this long: starting up is busy enough. */
  firstAfterMs: number
}

export const DEFAULT_RETENTION: RetentionOptions = { batch: 50, everyMs: 3_600_000, firstAfterMs: 60_000 }

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

export type Finished = Exclude<JobStatus, 'held' | 'scheduled' | 'queued' | 'running'>

/**
 * The maintenance schedule: removes finished jobs past their term (and their
 * logs and tries) in small batches with a turn of the event loop between, so
 * dispatch never waits on it; then refreshes the planner's statistics and
 * checkpoints the WAL. Storage trouble ends a run, never the engine.
 */
export class Retention {
  private timer: NodeJS.Timeout | undefined
  private stopped = false
  private running: Promise<number> | undefined
  private readonly options: RetentionOptions

  constructor(
    private readonly deps: { store: JobStore; clock: Clock; policy: () => RetentionPolicy; removed: (count: number) => void },
    options: Partial<RetentionOptions> = {},
  ) {
    this.options = { ...DEFAULT_RETENTION, ...options }
  }

  start(): void {
    this.schedule(this.options.firstAfterMs)
  }

  /** No more passes; one under way ends after its current batch. Resolves once it has. */
  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    this.timer = undefined
    await this.running?.catch(() => undefined)
  }

  /** One pass; a pass already under way is joined, not doubled. Resolves with how many jobs went. */
  runOnce(): Promise<number> {
    this.running ??= this.pass().finally(() => (this.running = undefined))
    return this.running
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      void this.runOnce()
        .catch((error: unknown) => console.error(`offload: clean-up of old jobs stopped: ${(error as Error).message}`))
        .finally(() => !this.stopped && this.schedule(this.options.everyMs))
    }, ms).unref()
  }

  private async pass(): Promise<number> {
    const { store, clock } = this.deps
    const policy = this.deps.policy()
    const now = clock.now()
    let removed = 0
    const terms: [Finished, number | null][] = [
      ['succeeded', policy.keepFinishedDays],
      ['cancelled', policy.keepFinishedDays],
      ['failed', policy.keepFailedDays],
    ]
    for (const [status, days] of terms) {
      if (days !== null) removed += await this.drain(status, () => store.expiring(status, now - days * DAY_MS, this.options.batch))
    }
    if (policy.keepFinishedMax !== null) removed += await this.trimTo(policy.keepFinishedMax)
    if (removed > 0) {
      store.tidy()
      this.deps.removed(removed)
    }
    return removed
  }

  /**
   * "Clear finished…": every job of these statuses that exists now, oldest
   * first, in the same small batches as a pass, so dispatch goes on
   * meanwhile; jobs that finish during the clear stay. Resolves with how many
   * went.
   */
  async clear(statuses: readonly Finished[]): Promise<number> {
    const { store } = this.deps
    const through = store.lastId()
    if (through === null) return 0
    let removed = 0
    for (const status of new Set(statuses)) {
      removed += await this.drain(status, () => store.oldest(status, this.options.batch).filter((job) => job.id <= through))
    }
    if (removed > 0) {
      store.tidy()
      this.deps.removed(removed)
    }
    return removed
  }

  /** Removes what `next` picks, a batch per turn of the event loop, until it picks nothing. */
  private async drain(status: Finished, next: () => { id: string; kind: string }[]): Promise<number> {
    let removed = 0
    while (!this.stopped) {
      const batch = next()
      if (batch.length === 0) break
      removed += this.deps.store.removeFinished(status, batch)
      await nextTurn()
    }
    return removed
  }

  /** The oldest succeeded and cancelled jobs, merged across both, until at most `max` are left. */
  private async trimTo(max: number): Promise<number> {
    const { store } = this.deps
    let removed = 0
    while (!this.stopped) {
      const counts = store.counts()
      const excess = counts.succeeded + counts.cancelled - max
      if (excess <= 0) break
      const take = Math.min(excess, this.options.batch)
      const oldest = (['succeeded', 'cancelled'] as const)
        .flatMap((status) => store.oldest(status, take).map((job) => ({ ...job, status })))
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .slice(0, take)
      let round = 0
      for (const status of ['succeeded', 'cancelled'] as const) {
        round += store.removeFinished(
          status,
          oldest.filter((job) => job.status === status),
        )
      }
      removed += round
      // The counts and the rows disagree (they never should): stop rather than spin.
      if (round === 0) break
      await nextTurn()
    }
    return removed
  }
}
